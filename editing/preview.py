"""Preview an edit before paying for it: the rewritten prompt, a word diff, and what each method costs.

:func:`preview_edit` runs only the cheap step (the prompt rewrite), records it (its tokens
are spend, whether a generation follows or not) and returns the methods that can make the
edit — quick adjust and/or regenerate — each with its estimated cost and time and whether
the budget allows it. An edit submitted with the preview's id uses exactly that prompt (or
the user's hand-corrected version of it): no second LLM call, no second charge.
"""

from __future__ import annotations

import difflib
import re
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from editing import budgets, estimates, queries, variations
from editing.access import EDITING, Scope, actor
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory, Preview
from editing.domain import Instruction, validate_scene_index
from editing.errors import (
    ConflictError,
    InputError,
    NotApplicableError,
    NotFoundError,
    ProviderError,
    UnmappableInstructionError,
)
from editing.methods import Method, MethodPlan, scene_plan
from editing.providers.base import PromptEdit
from editing.service import EditService


@dataclass(frozen=True)
class DiffPart:
    """A run of words of the prompt diff: kept, added or removed."""

    kind: str  # "same" | "added" | "removed"
    text: str


_WORDS = re.compile(r"\S+\s*")


def word_diff(old: str, new: str) -> list[DiffPart]:
    """The word-level difference of two prompts, in reading order (removed before added)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=[w.strip() for w in a], b=[w.strip() for w in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("removed", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("added", "".join(b[j1:j2])))
    return parts


@dataclass(frozen=True)
class MethodOption:
    """One way to make the previewed edit, with what it does and what it is expected to cost and take."""

    method: str
    estimated_cost: float
    estimated_seconds: float
    recommended: bool
    does: str
    note: str = ""
    within_budget: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreviewResult:
    """A recorded preview: the rewrite, its diff, its cost, and the methods on offer."""

    preview_id: str
    campaign_id: str
    scene_index: int
    instruction: str
    original_prompt: str
    modified_prompt: str
    changes_summary: str
    diff: list[DiffPart]
    options: list[MethodOption]
    cost: float
    provider: str

    @property
    def recommended(self) -> MethodOption:
        return next(o for o in self.options if o.recommended)

    def option(self, method: str) -> MethodOption | None:
        return next((o for o in self.options if o.method == method), None)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON: the issue's shape, plus what the dialog shows."""
        out = asdict(self)
        out["diff"] = [asdict(p) for p in self.diff]
        return out


def budget_allows(session: Session, campaign_id: uuid.UUID, cost: float) -> bool:
    """Whether the campaign's budgets allow spending ``cost`` more now (shown beside each method)."""
    campaign = session.get(Campaign, campaign_id)
    return campaign is not None and budgets.fits(session, campaign, cost)


def _options(
    ctx: Atelier, session: Session, campaign_id: uuid.UUID, scene: dict[str, Any], plan: MethodPlan, text: str
) -> list[MethodOption]:
    out: list[MethodOption] = []
    if plan.adjustable:
        assert plan.adjustment is not None
        est = estimates.estimate_edit(ctx, scene, text, session=session, method=Method.ADJUST)
        note = "" if plan.wholly_adjustable else plan.why_not_adjust
        does = "Quick adjust of the current clip: " + ", ".join(plan.adjustment.describe())
        out.append(MethodOption(Method.ADJUST, est.cost, est.seconds, plan.wholly_adjustable, does, note))
    est = estimates.estimate_edit(ctx, scene, text, session=session, prompt_paid=True)
    note = "" if plan.adjustable else plan.why_not_adjust
    does = f"A new clip from the rewritten prompt ({ctx.video_generator().name})"
    out.append(MethodOption(Method.REGENERATE, est.cost, est.seconds, not plan.wholly_adjustable, does, note))
    return [
        MethodOption(
            **{**o.to_dict(), "within_budget": budget_allows(session, campaign_id, o.estimated_cost)}
        )
        for o in out
    ]


def _rewrite(
    ctx: Atelier, cj: dict[str, Any], scene: dict[str, Any], text: str, plan: MethodPlan
) -> PromptEdit:
    """The prompt editor's rewrite; for timing alone ("trim to 3 s") the prompt stays as it is."""
    prompt = scene.get("background_prompt", "")
    try:
        return EditService(ctx.prompt_editor()).modify_prompt(
            original_prompt=prompt,
            instruction=Instruction.parse(text),
            style_spec=cj.get("style_spec", {}),
            scene_role=scene.get("role", "unknown"),
            perfume_name=cj.get("perfume_name", ""),
        )
    except InputError:
        if not plan.adjustable or plan.adjustment is None:
            raise
        return PromptEdit(
            prompt, "Quick adjust: " + ", ".join(plan.adjustment.describe()), provider="offline"
        )


def _record(session: Session, preview: Preview) -> None:
    """The preview row and its spend on the campaign, in the caller's transaction."""
    session.add(preview)
    if preview.cost:
        session.execute(
            update(Campaign)
            .where(Campaign.id == preview.campaign_id)
            .values(cost=Campaign.cost + preview.cost)
        )


def preview_edit(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str,
    *,
    brand: Scope = None,
    user: str | None = None,
    keep_length: bool = True,
    variation: int | None = None,
) -> PreviewResult:
    """Rewrite a scene's prompt (only) in ``variation`` (None: the selected), record it, offer methods.

    Raises:
        InputError: a bad instruction, index or variation, or one nothing can be made of (nothing recorded).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        ProviderError: the prompt editor failed (tokens it billed are recorded as spend).
    """
    instruction = Instruction.parse(edit_instruction)
    user = actor(brand, user or ctx.settings.user)
    cid, cj, variation, plan = _checked(
        ctx, campaign_id, scene_index, instruction, brand, keep_length, variation
    )
    scene = cj["scenes"][scene_index]
    row = Preview(id=uuid.uuid4(), campaign_id=cid, variation=variation, scene_index=scene_index)
    row.instruction, row.original_prompt, row.user_name = (
        instruction.text,
        scene.get("background_prompt", ""),
        user,
    )
    try:
        edit = _rewrite(ctx, cj, scene, instruction.text, plan)
    except ProviderError as exc:
        if exc.cost:  # billed tokens are spend even when the reply was unusable
            row.modified_prompt, row.changes_summary, row.prompt_provider = "", "", ctx.prompt_editor().name
            row.cost, row.error = Decimal(str(round(exc.cost, 6))), str(exc)
            with ctx.db.Session.begin() as session:
                _record(session, row)
        raise
    row.modified_prompt, row.changes_summary = edit.modified_prompt, edit.changes_summary
    row.prompt_provider = edit.provider or ctx.prompt_editor().name
    row.cost = Decimal(str(round(edit.cost, 6)))
    with ctx.db.Session.begin() as session:
        _record(session, row)
        options = _options(ctx, session, cid, scene, plan, instruction.text)
    return PreviewResult(
        preview_id=str(row.id),
        campaign_id=str(cid),
        scene_index=scene_index,
        instruction=instruction.text,
        original_prompt=row.original_prompt,
        modified_prompt=edit.modified_prompt,
        changes_summary=edit.changes_summary,
        diff=word_diff(row.original_prompt, edit.modified_prompt),
        options=options,
        cost=float(row.cost),
        provider=row.prompt_provider,
    )


def _checked(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    instruction: Instruction,
    brand: Scope,
    keep_length: bool,
    variation: int | None,
) -> tuple[uuid.UUID, dict[str, Any], int, MethodPlan]:
    """The campaign, the variation's view of it and the methods' plan of a preview that may go
    ahead; even the rewrite's tokens are spend, so a budget they do not fit refuses it."""
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
        variation = variations.resolve(campaign.campaign_json, variation)
        cj = variations.view(campaign.campaign_json, variation)
        validate_scene_index(scene_index, len(cj.get("scenes", [])))
        plan = scene_plan(cj, scene_index, instruction.text, keep_length=keep_length)
        scene = cj["scenes"][scene_index]
        rewrite = ctx.prompt_editor().estimate_cost(scene.get("background_prompt", ""), instruction.text)
        budgets.hold(session, campaign, rewrite)
        return campaign.id, cj, variation, plan


def claim_preview(
    session: Session,
    preview_id: str | uuid.UUID,
    *,
    campaign: Campaign,
    scene_index: int,
    edit_id: uuid.UUID,
    variation: int | None = None,
) -> Preview:
    """Take a preview for an edit, in the edit's transaction (the row is locked until it commits).

    A preview is used once; a preview whose edit failed may be used again.

    Raises:
        NotFoundError: no such preview for this campaign.
        InputError: it is for another scene or variation, or the scene changed since (preview again).
        ConflictError: another edit is using it.
    """
    pid = queries.parse_uuid(preview_id, "Preview")
    row = session.get(Preview, pid, with_for_update=True)
    if row is None or row.campaign_id != campaign.id:
        raise NotFoundError(f"Preview {preview_id} not found for this campaign")
    if row.error is not None:
        raise InputError(f"Preview {preview_id} failed ({row.error}); preview again")
    if row.scene_index != scene_index:
        raise InputError(f"Preview {preview_id} is for scene {row.scene_index}, not scene {scene_index}")
    variation = variations.resolve(campaign.campaign_json, variation)
    if row.variation != variation:
        raise InputError(f"Preview {preview_id} is for variation {row.variation}, not variation {variation}")
    if row.used_by_edit_id is not None:
        status = session.scalar(select(EditHistory.status).where(EditHistory.edit_id == row.used_by_edit_id))
        if status not in (None, "failed"):
            raise ConflictError(f"Preview {preview_id} was already used by edit {row.used_by_edit_id}")
    scene = variations.view(campaign.campaign_json, variation)["scenes"][scene_index]
    prompt = scene.get("background_prompt", "")
    if row.original_prompt != prompt:
        raise InputError("The scene changed since this preview; preview the edit again")
    row.used_by_edit_id = edit_id
    return row


@dataclass(frozen=True)
class GroupPreview:
    """A preview of one instruction for every scene: each scene's preview, or why it is refused."""

    instruction: str
    previews: dict[int, PreviewResult]
    refused: dict[int, str]

    @property
    def estimated_cost(self) -> float:
        """What the recommended method of every scene adds up to."""
        return round(sum(p.recommended.estimated_cost for p in self.previews.values()), 6)

    @property
    def estimated_seconds(self) -> float:
        """Scenes run side by side on the workers: about as long as the longest."""
        return max((p.recommended.estimated_seconds for p in self.previews.values()), default=0.0)

    @property
    def cost(self) -> float:
        """What the previews themselves cost (tokens)."""
        return round(sum(p.cost for p in self.previews.values()), 6)

    @property
    def preview_ids(self) -> dict[int, str]:
        return {i: p.preview_id for i, p in self.previews.items()}


def preview_all(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    edit_instruction: str,
    *,
    brand: Scope = None,
    user: str | None = None,
    keep_length: bool = True,
    variation: int | None = None,
) -> GroupPreview:
    """Preview one instruction on every scene ("edit all scenes"): per-scene previews and a total.

    Raises:
        InputError: a bad instruction, or one no scene can take (each refusal said).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    instruction = Instruction.parse(edit_instruction)
    with ctx.db.Session() as session:
        cj = queries.load_campaign(campaign_id, session=session, brand=brand).campaign_json
        count = len(variations.view(cj, variation)["scenes"])
    previews: dict[int, PreviewResult] = {}
    refused: dict[int, str] = {}
    for index in range(count):
        try:
            previews[index] = preview_edit(
                ctx,
                campaign_id,
                index,
                instruction.text,
                brand=brand,
                user=user,
                keep_length=keep_length,
                variation=variation,
            )
        except (UnmappableInstructionError, NotApplicableError) as exc:
            refused[index] = str(exc)
    if not previews:
        raise InputError("No scene can be changed by this instruction: " + "; ".join(refused.values()))
    return GroupPreview(instruction.text, previews, refused)
