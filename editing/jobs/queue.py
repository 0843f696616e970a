"""Accepting an edit as a job, and following it.

:func:`submit_edit` checks the request (nothing is written for a refused one), then, in
ONE transaction, inserts the edit's ``queued`` row and its Procrastinate job: there is
never a job without its row or a row without its job. The database refuses a second
active edit of a scene (a partial unique index) and a second submission with the same
idempotency key returns the first, so a double click is one edit and one charge.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editing import budgets, estimates, ledger, queries, variations
from editing.access import EDITING, Scope, actor
from editing.approvals import use_approval
from editing.context import Atelier
from editing.create.service import refuse_while_created
from editing.db.models import Campaign, EditHistory, Preview
from editing.domain import Instruction, validate_prompt, validate_scene_index
from editing.errors import (
    AtelierError,
    InputError,
    NotApplicableError,
    NotFoundError,
    UnmappableInstructionError,
)
from editing.jobs import runner
from editing.media.adjust import Adjustment
from editing.methods import DEFAULT_METHOD, Method, decide
from editing.preview import claim_preview

#: Job states a caller can see (the edit row's status).
TERMINAL = ("completed", "failed")


@dataclass(frozen=True)
class EditSceneResponse:
    """The seed's response when an edit job is enqueued (estimates from price tables and history)."""

    job_id: str
    estimated_cost: float
    estimated_duration_seconds: int
    message: str
    edit_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JobStatus:
    """Where an edit job is: its status, current step and progress, and its result or error."""

    job_id: str
    edit_id: str
    campaign_id: str
    scene_index: int
    status: str  # queued | running | completed | failed
    step: str | None
    fraction: float | None
    message: str | None
    elapsed_s: float
    user: str
    instruction: str
    result: dict[str, Any] | None = None
    error: str | None = None
    method: str = "regenerate"
    cost: float = 0.0  # spent so far (a failed edit's spend too)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EditRequest:
    """What an edit asks, beyond its scene: how to make it, and from which preview."""

    method: str = DEFAULT_METHOD  # auto | adjust | regenerate
    keep_length: bool = True  # a quick speed change keeps the scene's length
    preview_id: str | None = None  # use this preview's rewrite (no second LLM call, no second charge)
    prompt: str | None = None  # the preview's prompt corrected by hand
    group_id: uuid.UUID | None = None  # one of the edits of an "edit all scenes"
    adjustment: Adjustment | None = None  # a quick adjust worked out already (the continuity match)
    approval_id: uuid.UUID | None = None  # a manager approved this edit over budget (editing.approvals)
    variation: int | None = None  # the variation edited (None: the selected one)


def submit_edit(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str = "",
    *,
    brand: Scope = None,
    user: str | None = None,
    idempotency_key: str | None = None,
    request: EditRequest | None = None,
) -> EditSceneResponse:
    """Accept an edit: its queued row and its job, in one transaction, before anything is spent.

    With ``request.preview_id`` the instruction may be empty (the preview's is used).

    Raises:
        InputError: empty, over-long or (offline) meaningless instruction; index out of range; a
            quick adjust the instruction cannot be; a preview of another scene or of an older prompt.
        NotFoundError: unknown campaign or preview, or a campaign ``brand`` may not see.
        ConflictError: the scene is being edited (queued or running), by whom and since when.
    """
    request = request or EditRequest()
    user = actor(brand, user or ctx.settings.user)
    key = _idempotency_key(idempotency_key)
    if key is not None and (earlier := _earlier_submission(ctx, key, brand)) is not None:
        return earlier
    accepted = _accept(ctx, campaign_id, scene_index, edit_instruction, request, brand)
    try:
        with ctx.db.Session.begin() as session:
            row = _enqueue(session, accepted, request, user=user, key=key)
    except IntegrityError as exc:
        if key is not None and (earlier := _earlier_submission(ctx, key, brand)) is not None:
            return earlier  # the same click, twice at once: the first one won
        raise ledger.busy_scene(ctx, accepted.campaign_id, scene_index, accepted.variation) from exc
    return _response(
        str(row.job_id), accepted.estimate.cost, accepted.estimate.seconds, scene_index, str(row.edit_id)
    )


def _enqueue(
    session: Session, accepted: _Accepted, request: EditRequest, *, user: str, key: str | None
) -> EditHistory:
    """The queued row and its job, in the caller's transaction (IntegrityError: the scene is busy)."""
    edit_id = uuid.uuid4()
    row = accepted.row(edit_id, user, key)
    campaign = queries.load_campaign(accepted.campaign_id, session=session)
    if request.approval_id is not None:
        row.approval_id = use_approval(session, request.approval_id, campaign, accepted.scene_index, edit_id)
    budgets.hold(session, campaign, accepted.estimate.cost, approved=row.approval_id is not None)
    if request.preview_id is not None:
        campaign = queries.load_campaign(accepted.campaign_id, session=session, for_update=True)
        preview = claim_preview(
            session,
            request.preview_id,
            campaign=campaign,
            scene_index=accepted.scene_index,
            edit_id=edit_id,
            variation=accepted.variation,
        )
        accepted.use_preview(row, preview, request.prompt)
    session.add(row)
    session.flush()  # the partial unique index speaks here: one active edit per scene
    row.job_id = runner.defer_edit(
        session,
        edit_id,
        priority=QUICK_PRIORITY if row.method == Method.ADJUST else 0,
        campaign_id=str(accepted.campaign_id),
        scene_index=accepted.scene_index,
        edit_instruction=row.edit_prompt,
    )
    session.execute(update(Campaign).where(Campaign.id == accepted.campaign_id).values(status="processing"))
    return row


@dataclass(frozen=True)
class GroupSubmission:
    """An "edit all scenes": the edits accepted (one job each) and the scenes refused, with why."""

    group_id: str
    accepted: dict[int, EditSceneResponse]
    refused: dict[int, str]

    @property
    def estimated_cost(self) -> float:
        return round(sum(r.estimated_cost for r in self.accepted.values()), 6)

    @property
    def estimated_seconds(self) -> int:
        """Scenes run side by side on the workers; the group takes about as long as its longest edit."""
        return max((r.estimated_duration_seconds for r in self.accepted.values()), default=0)


def submit_group(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    edit_instruction: str,
    *,
    brand: Scope = None,
    user: str | None = None,
    method: str = DEFAULT_METHOD,
    keep_length: bool = True,
    previews: dict[int, str] | None = None,
    variation: int | None = None,
) -> GroupSubmission:
    """Accept one instruction for every scene as one edit group, in ONE transaction.

    Each scene gets its own method (auto: a quick adjust where it is grading or timing);
    a scene the instruction cannot change is refused and reported, the others go ahead.
    The final is rendered once, when the last edit of the group ends.

    Raises:
        InputError: a bad instruction, or no scene it can change (nothing is queued).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        ConflictError: a scene is being edited (nothing is queued).
    """
    user = actor(brand, user or ctx.settings.user)
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
        variation = variations.resolve(campaign.campaign_json, variation)
        count = len(variations.view(campaign.campaign_json, variation).get("scenes", []))
        cid = campaign.id
    group_id = uuid.uuid4()
    accepted: dict[int, tuple[_Accepted, EditRequest]] = {}
    refused: dict[int, str] = {}
    for index in range(count):
        preview_id = (previews or {}).get(index)
        request = EditRequest(method, keep_length, preview_id, None, group_id, variation=variation)
        try:
            accepted[index] = (_accept(ctx, cid, index, edit_instruction, request, brand), request)
        except InputError as exc:
            if not _refusal(exc):
                raise
            refused[index] = str(exc)
    if not accepted:
        raise InputError("No scene can be changed by this instruction: " + "; ".join(refused.values()))
    rows: dict[int, EditHistory] = {}
    try:
        with ctx.db.Session.begin() as session:
            for index, (one, request) in accepted.items():
                rows[index] = _enqueue(session, one, request, user=user, key=None)
    except IntegrityError as exc:
        raise ledger.busy_campaign(ctx, cid) from exc
    responses = {
        i: _response(str(rows[i].job_id), a.estimate.cost, a.estimate.seconds, i, str(rows[i].edit_id))
        for i, (a, _) in accepted.items()
    }
    return GroupSubmission(str(group_id), responses, refused)


def _refusal(exc: InputError) -> bool:
    """Whether an InputError is this scene's answer to the instruction (not a bad request)."""
    return isinstance(exc, UnmappableInstructionError | NotApplicableError)


#: Quick adjusts jump the queue: they take seconds, a regeneration minutes.
QUICK_PRIORITY = 10


@dataclass
class _Accepted:
    """A checked request: what the queued row will say."""

    campaign_id: uuid.UUID
    scene_index: int
    variation: int
    instruction: str
    original_prompt: str
    scene_key: str | None
    method: Method
    plan: dict[str, Any]
    estimate: estimates.Estimate
    group_id: uuid.UUID | None
    scene_role: str | None = None
    regenerate_cost: float | None = None  # a quick adjust: what regenerating would have cost

    def row(self, edit_id: uuid.UUID, user: str, key: str | None) -> EditHistory:
        row = EditHistory(edit_id=edit_id, campaign_id=self.campaign_id, timestamp=datetime.now(UTC))
        row.status, row.scene_index, row.variation = "queued", self.scene_index, self.variation
        row.edit_prompt, row.original_prompt, row.user_name = self.instruction, self.original_prompt, user
        row.base_version, row.cost, row.cost_breakdown = 0, Decimal(0), {}
        row.idempotency_key, row.scene_key_before = key, self.scene_key
        row.method, row.plan, row.group_id = self.method.value, self.plan or None, self.group_id
        row.estimated_cost = Decimal(str(round(self.estimate.cost, 6)))
        row.estimated_seconds = Decimal(f"{self.estimate.seconds:.3f}")
        row.scene_role, row.reserved = self.scene_role, row.estimated_cost
        if self.regenerate_cost is not None:
            row.regenerate_cost = Decimal(str(round(self.regenerate_cost, 6)))
        return row

    def use_preview(self, row: EditHistory, preview: Preview, prompt: str | None) -> None:
        """The preview's rewrite on the row, so the job reuses it; a hand correction replaces it."""
        row.preview_id, row.prompt_provider = preview.id, preview.prompt_provider
        row.modified_prompt, row.changes_summary = preview.modified_prompt, preview.changes_summary
        if prompt is not None and prompt != preview.modified_prompt:
            row.modified_prompt = prompt
            row.changes_summary = f"{preview.changes_summary} (prompt corrected by hand)".strip()


def _accept(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str,
    request: EditRequest,
    brand: Scope,
) -> _Accepted:
    """Check a request and decide its method; refused for free, before anything is written."""
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
        variation = variations.resolve(campaign.campaign_json, request.variation)
        cj = variations.view(campaign.campaign_json, variation)
        refuse_while_created(campaign)
        validate_scene_index(scene_index, len(cj.get("scenes", [])))
        text = edit_instruction
        if request.preview_id is not None and not (text or "").strip():
            text = _preview_instruction(session, request.preview_id)
        instruction = Instruction.parse(text)
        prompt = validate_prompt(request.prompt) if request.prompt is not None else None
        method_asked = request.method
        if prompt is not None and method_asked == "auto":
            method_asked = Method.REGENERATE  # a prompt written by hand is made by the video model
        if request.adjustment is not None:
            method, plan = Method.ADJUST, {"adjustment": request.adjustment.to_dict()}
        else:
            method, plan = decide(cj, scene_index, instruction.text, method_asked, request.keep_length)
        scene = cj["scenes"][scene_index]
        estimate = estimates.estimate_edit(
            ctx,
            scene,
            instruction.text,
            session=session,
            method=method,
            prompt_paid=request.preview_id is not None,
        )
        accepted = _Accepted(
            campaign_id=campaign.id,
            scene_index=scene_index,
            variation=variation,
            instruction=instruction.text,
            original_prompt=scene.get("background_prompt", ""),
            scene_key=scene.get("video_key"),
            method=method,
            plan=plan,
            estimate=estimate,
            group_id=request.group_id,
            scene_role=scene.get("role"),
        )
        if method == Method.ADJUST:
            regenerate = estimates.estimate_edit(ctx, scene, instruction.text, session=session)
            accepted.regenerate_cost = regenerate.cost
    if method == Method.REGENERATE and request.preview_id is None:
        # the offline editor refuses an instruction with nothing visual in it, for free, now
        ctx.prompt_editor().screen(
            accepted.original_prompt, instruction.text, cj.get("style_spec", {}), cj.get("perfume_name", "")
        )
    return accepted


def estimate_request(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str,
    request: EditRequest,
    brand: Scope,
) -> float:
    """What an edit would be estimated at if submitted now (checked as a submission is; nothing written)."""
    return _accept(ctx, campaign_id, scene_index, edit_instruction, request, brand).estimate.cost


def _preview_instruction(session: Session, preview_id: str) -> str:
    row = session.get(Preview, queries.parse_uuid(preview_id, "Preview"))
    if row is None:
        raise NotFoundError(f"Preview {preview_id} not found")
    return row.instruction


def _idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise InputError("An idempotency key is 1 to 200 printable characters")
    return key


def _response(job_id: str, cost: float, seconds: float, scene_index: int, edit_id: str) -> EditSceneResponse:
    return EditSceneResponse(
        job_id=job_id,
        estimated_cost=round(cost, 6),
        estimated_duration_seconds=max(1, math.ceil(seconds)),
        message=f"Edit job enqueued for scene {scene_index}",
        edit_id=edit_id,
    )


def _earlier_submission(ctx: Atelier, key: str, brand: Scope) -> EditSceneResponse | None:
    with ctx.db.Session() as session:
        stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
        row = session.scalars(queries.visible(stmt.where(EditHistory.idempotency_key == key), brand)).first()
        if row is None:
            return None
        cost, seconds = float(row.estimated_cost or 0), float(row.estimated_seconds or 0)
        return _response(str(row.job_id or ""), cost, seconds, row.scene_index, str(row.edit_id))


def enqueue_job(name: str, *, ctx: Atelier | None = None, **kwargs: Any) -> str:
    """The seed's entry point; returns the job id.

    ``enqueue_job("edit_scene", campaign_id=…, scene_index=…, edit_instruction=…)``, and
    optionally the fields of :class:`EditRequest` (``method="adjust"``, ``preview_id=…``).

    Raises:
        InputError: an unknown job name, or a refused request (as :func:`submit_edit`).
    """
    if name != "edit_scene":
        raise InputError(f"unknown job {name!r}; the one job is 'edit_scene'")
    fields = {f: kwargs.pop(f) for f in EditRequest.__dataclass_fields__ if f in kwargs}
    return submit_edit(ctx or runner.default_context(), request=EditRequest(**fields), **kwargs).job_id


def _row_for_job(ctx: Atelier, job_id: str | int, brand: Scope) -> EditHistory:
    text = str(job_id).strip()
    if not text.isascii() or not text.isdigit():
        raise NotFoundError(f"Job {job_id} not found")
    with ctx.db.Session() as session:
        stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
        row = session.scalars(queries.visible(stmt.where(EditHistory.job_id == int(text)), brand)).first()
    if row is None:
        raise NotFoundError(f"Job {job_id} not found")
    return row


def job_status(ctx: Atelier, job_id: str | int, *, brand: Scope = None) -> JobStatus:
    """The status, step, progress and (when done) the seed's result dict or the error of a job.

    Raises:
        NotFoundError: unknown job, or a job of a campaign ``brand`` may not see.
    """
    return status_of(ctx, _row_for_job(ctx, job_id, brand))


def status_of(ctx: Atelier, row: EditHistory) -> JobStatus:
    """A JobStatus from an edit row."""
    start = row.started_at or row.timestamp
    end = row.finished_at or datetime.now(UTC)
    return JobStatus(
        job_id=str(row.job_id or ""),
        edit_id=str(row.edit_id),
        campaign_id=str(row.campaign_id),
        scene_index=row.scene_index,
        status=row.status,
        step=row.progress_step,
        fraction=row.progress_fraction,
        message=row.progress_message,
        elapsed_s=round(max(0.0, (end - start).total_seconds()), 2),
        user=row.user_name,
        instruction=row.edit_prompt,
        result=_result(ctx, row) if row.status == "completed" else None,
        error=row.error if row.status == "failed" else None,
        method=row.method,
        cost=float(row.cost or 0),
    )


def _result(ctx: Atelier, row: EditHistory) -> dict[str, Any]:
    """The seed's result dict of a completed edit, from its row."""
    elapsed = float(row.duration_seconds)
    return {
        "success": True,
        "campaign_id": str(row.campaign_id),
        "scene_index": row.scene_index,
        "cost": float(row.cost),
        "duration_seconds": math.ceil(elapsed),
        "elapsed_s": round(elapsed, 2),
        "changes_summary": row.changes_summary,
        "new_video_url": ctx.storage.url(row.final_key_after) if row.final_key_after else None,
        "edit_id": str(row.edit_id),
        "modified_prompt": row.modified_prompt,
        "new_scene_url": ctx.storage.url(row.scene_key_after) if row.scene_key_after else None,
    }


def edit_result(ctx: Atelier, edit_id: uuid.UUID) -> dict[str, Any]:
    """The result dict of an edit that ended.

    Raises:
        AtelierError: it failed (its error), or it has not ended.
    """
    with ctx.db.Session() as session:
        row = session.get(EditHistory, edit_id)
    if row is None:
        raise NotFoundError(f"Edit {edit_id} not found")
    if row.status == "completed":
        return _result(ctx, row)
    raise AtelierError(row.error or f"Edit {edit_id} is {row.status}")


def wait_for(
    ctx: Atelier, job_id: str, *, timeout: float = 3600.0, poll: float = 0.2, on_change: Any = None
) -> JobStatus:
    """Follow a job until it ends (``on_change(status)`` at each change of step or progress).

    Raises:
        AtelierError: it did not end within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    seen: tuple[Any, ...] = ()
    while True:
        status = job_status(ctx, job_id)
        key = (status.status, status.step, status.fraction, status.message)
        if key != seen and on_change is not None:
            on_change(status)
        seen = key
        if status.done:
            return status
        if time.monotonic() > deadline:
            raise AtelierError(f"job {job_id} did not end within {timeout:.0f}s (it goes on: `job {job_id}`)")
        time.sleep(poll)


def active_jobs(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None, variation: int | None = None
) -> list[JobStatus]:
    """The campaign's queued and running edits, oldest first (what its scene cards show).

    With ``variation``, only that variation's (None: every variation's).
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        stmt = select(EditHistory).where(
            EditHistory.campaign_id == campaign.id, EditHistory.status.in_(("queued", "running"))
        )
        if variation is not None:
            stmt = stmt.where(EditHistory.variation == variation)
        rows = session.scalars(stmt.order_by(EditHistory.timestamp)).all()
    return [status_of(ctx, row) for row in rows]


def edit_status(ctx: Atelier, edit_id: str | uuid.UUID, *, brand: Scope = None) -> JobStatus:
    """A JobStatus by edit id (the dialog follows the edit it submitted).

    Raises:
        NotFoundError: unknown edit, or one of a campaign ``brand`` may not see.
    """
    eid = queries.parse_uuid(edit_id, "Edit")
    with ctx.db.Session() as session:
        stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
        row = session.scalars(queries.visible(stmt.where(EditHistory.edit_id == eid), brand)).first()
    if row is None:
        raise NotFoundError(f"Edit {edit_id} not found")
    return status_of(ctx, row)
