"""Proof that offline edits do what they say: instruction → editor → generator → pixels.

Each row runs a marketer's instruction through the offline prompt editor, renders
the edited prompt with the procedural generator (real ffmpeg encode), decodes the
video at low resolution and checks that the named measurement moved in the named
direction compared with the unedited scene — or, for a two-step row, compared with
the scene after the first step. Renders are small and shared: every distinct prompt
is rendered once, and only the measurements some row asks of it are computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from editing.errors import UnmappableInstructionError
from editing.media import VideoFormat
from editing.providers.base import SceneRequest
from editing.providers.offline.editor import OfflinePromptEditor
from editing.providers.offline.look import Look, apply_instruction, resolve
from editing.providers.offline.procedural import ProceduralVideoGenerator
from tests import measure

PERFUME, STYLE = measure.PERFUME, measure.STYLE
NEUTRAL = resolve(Look())
BASES = {
    "plain": measure.BASE_PROMPT,
    "effects": (
        f"A {PERFUME} perfume bottle on a pedestal in an elegant studio with drifting smoke, "
        "falling rose petals, gold dust and rain, the camera slowly pushes in."
    ),
}
# Rendered at 180×320 (drawn at 90×160, the size it is measured at): a quarter of the pixels of
# 360×640, and every row's measurement moves as clearly as there.
FMT = VideoFormat(width=180, height=320, fps=24)
DURATION = 1.0
MEASURE_SIZE = (90, 160)

# How far a measurement must move to count (noise from encoding is far below these).
MARGIN = {
    "luma": 2.0,
    "contrast": 0.8,
    "saturation": 1.5,
    "red_blue": 1.5,
    "green": 1.5,
    "motion": 0.01,
    "detail": 0.04,
    "haze": 1.0,
    "upper_luma": 2.0,
    "bottle_height": 0.02,
    "bottle_y": 0.02,
    "bottle_offcentre": 0.02,
}
#: Measured on every 4th frame: finding the bottle costs more than the other measurements.
BOTTLE_METRICS = {"bottle_height", "bottle_y", "bottle_offcentre"}
#: How a check's direction reads in the docs table.
ARROWS = {"+": "↑", "-": "↓", "0": "≈0", "~": "a trace"}


@dataclass(frozen=True)
class Row:
    """Instructions applied in turn; the last one is measured against the scene before it."""

    steps: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]  # (metric, "+", "-", "0" or "~": a trace, well under before)
    base: str = "plain"
    langs: tuple[str, ...] = ("en",)  # per step, the languages it is written in ("en+fr": mixed)

    @property
    def instruction(self) -> str:
        return " → then → ".join(self.steps)

    @property
    def english(self) -> bool:
        return all(lang == "en" for lang in self.langs)


def _checks(checks: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((c[:-1], c[-1]) for c in checks)


def row(instruction: str, *checks: str, base: str = "plain", lang: str = "en") -> Row:
    return Row((instruction,), _checks(checks), base, (lang,))


def then(first: str, second: str, *checks: str, base: str = "plain", lang: str = "en") -> Row:
    """A two-step row: ``second`` applied to the result of ``first``, measured against it.

    Args:
        lang: the language of both steps, or "first/second" ("en/fr").
    """
    langs = tuple(lang.split("/")) if "/" in lang else (lang, lang)
    return Row((first, second), _checks(checks), base, langs)


TABLE: tuple[Row, ...] = (
    # lighting
    row("make it brighter", "luma+"),
    row("a bit brighter", "luma+"),
    row("a touch warmer", "red_blue+"),
    row("noticeably cooler", "red_blue-"),
    row("quite a bit darker", "luma-"),
    row("much darker", "luma-"),
    row("dim the lights", "luma-"),
    row("more light please", "luma+"),
    row("sunnier", "luma+"),
    row("it's too dark", "luma+"),
    row("golden hour", "red_blue+", "luma+"),
    row("backlit", "contrast+"),
    row("soft lighting", "contrast-"),
    row("harsh light", "contrast+"),
    row("neon lights", "saturation+"),
    row("candlelight", "red_blue+", "luma-"),
    row("high key", "luma+"),
    row("low key", "luma-"),
    row("make it night time", "luma-", "red_blue-"),
    # colour
    row("warmer", "red_blue+"),
    row("cooler tones", "red_blue-"),
    row("way more saturated", "saturation+"),
    row("muted colours", "saturation-"),
    row("black and white", "saturation0"),
    row("rose gold palette", "green-"),
    row("emerald", "green+"),
    row("pastel colours", "saturation-", "luma+"),
    row("monochrome", "saturation-"),
    row("desaturate it, almost no color", "saturation~"),
    then("black and white", "candlelit, warm and intimate", "saturation+", "red_blue+"),
    then("black and white", "cooler, like early morning", "saturation+"),
    then("desaturate it, almost no color", "candlelit, warm and intimate", "red_blue+"),
    then("desaturate it, almost no color", "cooler, like early morning", "red_blue-"),
    then("black and white", "bring back the colour", "saturation+"),
    # camera
    row("zoom in on the bottle", "bottle_height+"),
    row("close-up", "bottle_height+"),
    row("wide shot", "bottle_height-"),
    row("zoom out a bit", "bottle_height-"),
    row("orbit around the bottle", "motion+"),
    row("pan left", "motion+"),
    row("pan to the right", "motion+"),
    row("static camera", "motion-"),
    row("handheld camera", "motion+"),
    row("slow the camera down", "motion-"),
    row("push the camera in close on the bottle", "bottle_height+"),
    row("push in", "bottle_height+"),
    row("move in close", "bottle_height+"),
    row("pull back", "bottle_height-"),
    row("track along the bottle", "motion+"),
    row("crane up", "bottle_y+"),
    # speed
    row("slow motion", "motion-"),
    row("faster", "motion+"),
    row("time-lapse", "motion+"),
    # mood
    row("dreamy", "contrast-"),
    row("mysterious", "luma-"),
    row("energetic", "motion+", "saturation+"),
    row("romantic", "red_blue+"),
    row("playful", "saturation+"),
    # setting
    row("beach at sunset", "red_blue+"),
    row("city at night", "luma-"),
    row("marble studio", "luma+"),
    row("in a forest", "green+"),
    row("desert", "red_blue+"),
    row("underwater", "red_blue-"),
    # elements added
    row("add rose petals", "detail+"),
    row("add gold dust", "detail+"),
    row("water droplets on the glass", "detail+"),
    row("add some smoke", "haze+"),
    row("silk ribbons", "saturation+"),
    row("bokeh", "upper_luma+"),
    row("make it rain", "motion+"),
    row("snow", "detail+"),
    row("sparkles", "detail+"),
    row("bubbles", "motion+"),
    # elements removed
    row("no more smoke", "haze-", base="effects"),
    row("remove the petals", "detail-", base="effects"),
    row("remove the gold dust", "detail-", base="effects"),
    row("stop the rain", "motion-", base="effects"),
    row("remove all the effects", "detail-", "motion-", base="effects"),
    # product
    row("make the bottle bigger", "bottle_height+"),
    row("smaller bottle", "bottle_height-"),
    row("hero shot", "bottle_height+"),
    row("centre the bottle", "bottle_offcentre-"),
    row("place the bottle lower in frame", "bottle_y+"),
    # several changes at once, free word order
    row("brighter and warmer, and slow the camera down", "luma+", "red_blue+", "motion-"),
    row("cooler, darker and add snow", "red_blue-", "luma-", "detail+"),
    # near-misses of a known word
    row("make it brightr", "luma+"),
    row("add some smoek", "haze+"),
    row("zomm in", "bottle_height+"),
    row("warmr and slowr", "red_blue+", "motion-"),
    # French
    row("plus lumineux", "luma+", lang="fr"),
    row("beaucoup plus sombre", "luma-", lang="fr"),
    row("plus chaud", "red_blue+", lang="fr"),
    row("tons froids", "red_blue-", lang="fr"),
    row("heure dorée", "red_blue+", "luma+", lang="fr"),
    row("lumière de bougie, ambiance romantique", "red_blue+", lang="fr"),
    row("noir et blanc", "saturation0", lang="fr"),
    row("couleurs plus vives", "saturation+", lang="fr"),
    row("gros plan sur le flacon", "bottle_height+", lang="fr"),
    row("plan large", "bottle_height-", lang="fr"),
    row("tourne autour du flacon", "motion+", lang="fr"),
    row("au ralenti", "motion-", lang="fr"),
    row("à la plage au coucher du soleil", "red_blue+", lang="fr"),
    row("ajoute des pétales de rose", "detail+", lang="fr"),
    row("un peu de brume", "haze+", lang="fr"),
    row("sans fumée", "haze-", base="effects", lang="fr"),
    row("flacon plus grand", "bottle_height+", lang="fr"),
    # Spanish
    row("más brillante, por favor", "luma+", lang="es"),
    row("más oscuro", "luma-", lang="es"),
    row("más cálido", "red_blue+", lang="es"),
    row("más frío", "red_blue-", lang="es"),
    row("hora dorada", "red_blue+", "luma+", lang="es"),
    row("blanco y negro", "saturation0", lang="es"),
    row("colores apagados", "saturation-", lang="es"),
    row("primer plano del frasco", "bottle_height+", lang="es"),
    row("plano general", "bottle_height-", lang="es"),
    row("cámara lenta", "motion-", lang="es"),
    row("cámara en mano", "motion+", lang="es"),
    row("añade polvo de oro", "detail+", lang="es"),
    row("con lluvia", "motion+", lang="es"),
    row("quita la lluvia", "motion-", base="effects", lang="es"),
    row("en el desierto", "red_blue+", lang="es"),
    row("bajo el agua", "red_blue-", lang="es"),
    # Italian
    row("più luminoso", "luma+", lang="it"),
    row("molto più scuro", "luma-", lang="it"),
    row("più caldo", "red_blue+", lang="it"),
    row("toni freddi", "red_blue-", lang="it"),
    row("luce al neon", "saturation+", lang="it"),
    row("in bianco e nero", "saturation0", lang="it"),
    row("colori più vivi", "saturation+", lang="it"),
    row("primo piano", "bottle_height+", lang="it"),
    row("campo lungo", "bottle_height-", lang="it"),
    row("al rallentatore", "motion-", lang="it"),
    row("panoramica a sinistra", "motion+", lang="it"),
    row("nella foresta", "green+", lang="it"),
    row("di notte in città", "luma-", lang="it"),
    row("aggiungi bolle", "motion+", lang="it"),
    row("neve", "detail+", lang="it"),
    row("senza fumo", "haze-", base="effects", lang="it"),
    # German
    row("wärmer und heller", "luma+", "red_blue+", lang="de"),
    row("viel dunkler", "luma-", lang="de"),
    row("kühler", "red_blue-", lang="de"),
    row("Gegenlicht", "contrast+", lang="de"),
    row("schwarzweiß", "saturation0", lang="de"),
    row("gedämpfte Farben", "saturation-", lang="de"),
    row("Nahaufnahme", "bottle_height+", lang="de"),
    row("Totale", "bottle_height-", lang="de"),
    row("Zeitlupe", "motion-", lang="de"),
    row("Zeitraffer", "motion+", lang="de"),
    row("Goldstaub hinzufügen", "detail+", lang="de"),
    row("kein Regen mehr", "motion-", base="effects", lang="de"),
    row("am Strand bei Sonnenuntergang", "red_blue+", lang="de"),
    row("im Wald", "green+", lang="de"),
    row("Unterwasser", "red_blue-", lang="de"),
    row("Flasche größer", "bottle_height+", lang="de"),
    # two languages in one instruction
    row("plus chaud and add smoke", "red_blue+", "haze+", lang="en+fr"),
    row("make it warmer, con più luce", "red_blue+", "luma+", lang="en+it"),
    row("más oscuro and add snow", "luma-", "detail+", lang="en+es"),
    # two steps: the second measured against the first
    then("brighter", "darker", "luma-"),
    then("add rose petals", "remove the petals", "detail-"),
    then("zoom in", "zoom out", "bottle_height-"),
    then("golden hour", "make it night time", "luma-"),
    then("city at night", "a bit brighter", "luma+"),
    then("close-up", "pull back", "bottle_height-"),
    then("handheld camera", "static camera", "motion-"),
    then("make it brightr", "a bit darkr", "luma-"),
    then("warmer", "plus froid", "red_blue-", lang="en/fr"),
    then("ajoute de la neige", "plus de neige", "detail+", lang="fr"),
    then("noir et blanc", "plus chaud", "saturation+", "red_blue+", lang="fr"),
    then("más cálido", "un poco más cálido", "red_blue+", lang="es"),
    then("blanco y negro", "más saturado", "saturation+", lang="es"),
    then("più luminoso", "ancora più luminoso", "luma+", lang="it"),
    then("aggiungi fumo", "togli il fumo", "haze-", lang="it"),
    then("desaturate it, almost no color", "più colore", "saturation+", lang="en/it"),
    then("slow motion", "schneller", "motion+", lang="en/de"),
    then("schwarzweiß", "wärmer", "saturation+", "red_blue+", lang="de"),
)


Measure = dict[str, float]


def prompts(case: Row, editor: OfflinePromptEditor) -> tuple[str, str]:
    """The prompt the measured step starts from, and the prompt it produces."""
    prompt = BASES[case.base]
    before = prompt
    for instruction in case.steps:
        before = prompt
        prompt = editor.modify_scene_prompt(prompt, instruction, STYLE, "showcase", PERFUME).modified_prompt
    return before, prompt


def needed_metrics(table: tuple[Row, ...], editor: OfflinePromptEditor) -> dict[str, set[str]]:
    """For every prompt the table renders, the measurements some row takes of it."""
    needed: dict[str, set[str]] = defaultdict(set)
    for case in table:
        try:
            pair = prompts(case, editor)
        except UnmappableInstructionError:
            continue  # the row's own test reports it
        for prompt in pair:
            needed[prompt].update(metric for metric, _ in case.checks)
    return needed


class Renders:
    """Renders each prompt once, small, and keeps only the measurements asked of it."""

    def __init__(self, workdir: Path, needed: dict[str, set[str]]) -> None:
        self.workdir = workdir
        self.needed = needed
        self.generator = ProceduralVideoGenerator()
        self.cache: dict[str, Measure] = {}

    def __call__(self, prompt: str, metrics: set[str]) -> Measure:
        have = self.cache.get(prompt, {})
        if not metrics <= have.keys():
            have = self._render(prompt, metrics | self.needed.get(prompt, set()))
            self.cache[prompt] = have
        return have

    def _render(self, prompt: str, metrics: set[str]) -> Measure:
        request = SceneRequest(
            prompt=prompt, style_spec=STYLE, duration=DURATION, perfume_name=PERFUME, fmt=FMT
        )
        scene = self.generator.generate(request, self.workdir)
        frames = measure.load(scene.path, size=MEASURE_SIZE)
        scene.path.unlink()
        return {m: measure.METRICS[m](frames[::4] if m in BOTTLE_METRICS else frames) for m in metrics}


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Renders]:
    yield Renders(tmp_path_factory.mktemp("table"), needed_metrics(TABLE, OfflinePromptEditor()))


def moved(direction: str, metric: str, before: float, after: float) -> bool:
    """Whether ``metric`` moved from ``before`` to ``after`` the way ``direction`` says."""
    delta = after - before
    if direction == "+":
        return delta > MARGIN[metric]
    if direction == "-":
        return delta < -MARGIN[metric]
    if direction == "~":
        return 2 * MARGIN[metric] < after < before / 3
    return abs(after) < 2.0


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 160
    assert sum(not r.english for r in TABLE) >= 60
    assert sum(len(r.steps) == 2 for r in TABLE) >= 20
    assert len({r.steps for r in TABLE}) == len(TABLE)
    assert {lang for r in TABLE for lang in r.langs} >= {"en", "fr", "es", "it", "de"}


@pytest.mark.parametrize("case", TABLE, ids=[r.instruction for r in TABLE])
def test_each_row_is_read_in_its_language(case: Row) -> None:
    """The editor detects the language every step is written in (both, when it mixes two)."""
    for instruction, lang in zip(case.steps, case.langs, strict=True):
        reading = apply_instruction(NEUTRAL, instruction).reading
        assert set(reading.languages) == set(lang.split("+")), (instruction, reading.languages)


@pytest.mark.parametrize("case", TABLE, ids=[r.instruction for r in TABLE])
def test_instruction_moves_pixels(case: Row, renders: Renders) -> None:
    before_prompt, after_prompt = prompts(case, OfflinePromptEditor())
    metrics = {metric for metric, _ in case.checks}
    before, after = renders(before_prompt, metrics), renders(after_prompt, metrics)
    for metric, direction in case.checks:
        detail = f"{metric}: {before[metric]:.3f} → {after[metric]:.3f} for {case.instruction!r}"
        assert moved(direction, metric, before[metric], after[metric]), detail


def _luma_of(renders: Renders, prompt: str) -> float:
    return renders(prompt, {"luma"})["luma"]


def test_intensity_orders_the_change(renders: Renders) -> None:
    """'a bit brighter' < 'brighter' < 'much brighter', measured in luma."""
    editor = OfflinePromptEditor()
    base = BASES["plain"]
    lumas = [
        _luma_of(renders, editor.modify_scene_prompt(base, text, STYLE, "showcase", PERFUME).modified_prompt)
        for text in ("a bit brighter", "brighter", "much brighter")
    ]
    assert lumas == sorted(lumas) and np.diff(lumas).min() > 1.0, lumas


def test_opposite_edits_come_back(renders: Renders) -> None:
    """Brighter then darker renders (within encoding noise) the unedited scene's brightness."""
    editor = OfflinePromptEditor()
    base = BASES["plain"]
    up = editor.modify_scene_prompt(base, "brighter", STYLE, "showcase", PERFUME).modified_prompt
    back = editor.modify_scene_prompt(up, "darker", STYLE, "showcase", PERFUME).modified_prompt
    assert _luma_of(renders, up) > _luma_of(renders, base) + 2
    assert abs(_luma_of(renders, back) - _luma_of(renders, base)) < 0.5
