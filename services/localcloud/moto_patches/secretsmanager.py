"""moto.secretsmanager: versions and staging labels as Secrets Manager keeps them (aws/secretsmanager/versions.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("secretsmanager")


def _versions(name: str) -> Callable[[Any], Any]:
    return lambda original: getattr(importlib.import_module("localcloud.aws.secretsmanager.versions"), name)(original)


PATCHES.build("moto.secretsmanager.models:SecretsManagerBackend.get_secret_value",
              signature="(self, secret_id, version_id, version_stage)",
              why="no VersionId/VersionStage reads AWSCURRENT; the read sets LastAccessedDate")(
    _versions("_get_secret_value"))
PATCHES.build("moto.secretsmanager.models:SecretsManagerBackend.update_secret_version_stage",
              signature="(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)",
              why="moving AWSCURRENT makes that version the one read by default")(
    _versions("_update_secret_version_stage"))
PATCHES.build("moto.secretsmanager.models:FakeSecret._form_version_ids_to_stages", signature="(self)",
              why="versions without labels are deprecated: not in VersionIdsToStages")(_versions("_labelled_only"))
PATCHES.build("moto.secretsmanager.models:FakeSecret.to_dict", signature="(self)",
              why="LastAccessedDate once read, absent before (moto: always null)")(_versions("_with_last_accessed_date"))
