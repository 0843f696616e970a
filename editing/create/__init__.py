"""Create a campaign from a brief: templates, the brief, its estimate, and generation as jobs.

* ``brief``      the typed brief, checked (one-line refusals), and the templates (templates.json)
* ``service``    estimate, start (the campaign row and one job per scene), follow, retry
* ``jobs``       what the workers run: generate one scene; finish (music bed, finals, versions)
"""

from editing.create.brief import Brief, load_brief, parse_brief, template, templates
from editing.create.service import (
    CreationEstimate,
    CreationStarted,
    CreationStatus,
    SceneProgress,
    creation_status,
    estimate_creation,
    retry_creation,
    start_creation,
    wait_for_creation,
)

__all__ = [
    "Brief",
    "CreationEstimate",
    "CreationStarted",
    "CreationStatus",
    "SceneProgress",
    "creation_status",
    "estimate_creation",
    "load_brief",
    "parse_brief",
    "retry_creation",
    "start_creation",
    "template",
    "templates",
    "wait_for_creation",
]
