"""Campaigns in and out: import (folder, zip, S3 prefix), export (zip or folder), duplicate.

One door for the pages and the CLI. Inside:

* ``layout``     where each file sits, in the seed's S3 layout, inside a campaign's folder
* ``document``   campaign.json read strictly (typed, every field checked) and written back
* ``sources``    a folder, a zip (checked whole: paths, links, size and ratio caps) or an S3 prefix
* ``importer``   all or nothing: everything checked locally first, then stored, the row last
* ``exporter``   a new zip or folder, every file checked against its record
* ``duplicate``  a copy of the current state under new ids and keys
"""

from editing.transfer.duplicate import DuplicateResult, duplicate_campaign
from editing.transfer.exporter import ExportedFile, ExportResult, export_campaign
from editing.transfer.importer import ImportResult, import_campaign, import_upload

__all__ = [
    "DuplicateResult",
    "ExportResult",
    "ExportedFile",
    "ImportResult",
    "duplicate_campaign",
    "export_campaign",
    "import_campaign",
    "import_upload",
]
