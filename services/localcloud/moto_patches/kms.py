"""moto.kms: key ids, GenerateRandom and alias names checked as KMS checks them (API reference)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("kms")

# A key id: a UUID, or a multi-Region key's "mrk-" and 32 hex digits ("Multi-Region key IDs", KMS Developer
# Guide: mrk-1234abcd12ab34cd56ef1234567890ab); moto knew only "mrk-" + a UUID, so a well-formed multi-Region
# key id was "Invalid keyId" instead of "Key '<arn>' does not exist".
_KEY_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|"
                     r"mrk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)


@PATCHES.replace("moto.kms.responses:KmsResponse._validate_cmk_id", signature="(self, key_id)")
def validate_cmk_id(self: Any, key_id: str) -> None:
    """A key id or key ARN that names no key is NotFoundException "Key '<arn>' does not exist"; one that is not
    a key id at all is "Invalid keyId <id>"."""
    from moto.kms.exceptions import NotFoundException

    is_arn = key_id.startswith("arn:") and ":key/" in key_id
    if not is_arn and not _KEY_ID.match(key_id):
        raise NotFoundException(f"Invalid keyId {key_id}")
    if self.kms_backend.get_key_id(key_id) not in self.kms_backend.keys:
        raise NotFoundException(f"Key '{self._display_arn(key_id)}' does not exist")


@PATCHES.wrap("moto.kms.responses:KmsResponse.generate_random", signature="(self)")
def generate_random(original: Callable[..., Any], self: Any) -> Any:
    """NumberOfBytes is required in practice (API_GenerateRandom: "NumberOfBytes is required."), though the
    model marks it optional; moto called os.urandom(None), an internal failure."""
    from moto.kms.exceptions import ValidationException

    if self._get_param("NumberOfBytes") is None:
        raise ValidationException("NumberOfBytes is required.")
    return original(self)


@PATCHES.wrap("moto.kms.responses:KmsResponse._set_alias", signature="(self, update=False)")
def set_alias(original: Callable[..., Any], self: Any, update: bool = False) -> Any:
    """CreateAlias / UpdateAlias of a name without "alias/" are refused in KMS's words (moto: "Invalid
    identifier")."""
    from moto.kms.exceptions import ValidationException

    if not str(self._get_param("AliasName") or "").startswith("alias/"):
        raise ValidationException('Alias must start with the prefix "alias/". Please see '
                                  "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
    return original(self, update)
