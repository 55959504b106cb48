"""Magento 2 / Adobe Commerce webhooks: signature check on the raw body and a description of the delivery.

Magento Open Source sends no webhooks (the reconcile poll brings its orders in). Adobe Commerce has two kinds:

- **Adobe I/O Events** (asynchronous, what the orders and refunds flows use). A CloudEvent whose `data.value`
  is the entity. I/O Events signs the raw body with RSA-SHA256 (PKCS#1 v1.5) under two key pairs and sends
  both signatures, base64, in `x-adobe-digital-signature-1` / `-2`; the public keys live on
  static.adobeioevents.com at `x-adobe-public-key1-path` / `-2-path`. The app does not download them: the
  setting named by the shop's `webhook_secret_setting` holds the public key PEM(s) (one or both keys, pasted
  one after the other; `\\n` escapes from single-line app settings are accepted). One signature that
  verifies under one configured key is enough, so a key rotation only needs the new key added.
- **Adobe Commerce Webhooks** (synchronous, they block checkout: validation, not integration).
  `x-adobe-commerce-webhook-signature` = base64 RSA-SHA256 over the *base64 of the raw body* (what
  Adobe's sample code verifies, whatever the prose says). They are verified with the same key setting and
  then acknowledged and ignored (flow None).

Dedupe identity: the CloudEvent `id` (the producer's id of the event; a retried delivery carries the same
envelope), else I/O Events' `event_id`. Registration: I/O Events checks the URL with a GET `?challenge=…`
that must be echoed (`challenge_reply`); the delivery type must be "webhook", not "webhook_batch" (a batch
body is a JSON list: described as topic "batch", flow None, so it shows as skipped in the sync log).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.platforms.delivery import Delivery, header
from core.platforms.magento.parse import entity_id
from core.platforms.payload import json_body, text

IO_SIGNATURES = ("x-adobe-digital-signature-1", "x-adobe-digital-signature-2")
COMMERCE_SIGNATURE = "x-adobe-commerce-webhook-signature"
TYPE_PREFIX = "com.adobe.commerce."
MAX_CHALLENGE = 256

# Commerce event names (without "com.adobe.commerce.") → flow. Subscribe with
# `bin/magento events:subscribe observer.sales_order_save_commit_after` (and the credit memo and customer ones).
FLOWS = {
    "observer.sales_order_save_commit_after": "orders",
    "observer.sales_order_save_after": "orders",
    "observer.sales_order_place_after": "orders",
    "observer.sales_order_creditmemo_save_commit_after": "refunds",
    "observer.sales_order_creditmemo_save_after": "refunds",
    "observer.customer_save_commit_after": "customers",
    "observer.customer_save_after": "customers",
}

_PEM = re.compile(r"-----BEGIN (?:RSA )?PUBLIC KEY-----.+?-----END (?:RSA )?PUBLIC KEY-----", re.S)


def public_keys(secret: str) -> list[rsa.RSAPublicKey]:
    """Every RSA public key in the setting value (PEM blocks; a base64-wrapped PEM is unwrapped)."""
    value = (secret or "").replace("\\n", "\n").strip()
    if value and "BEGIN" not in value:
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return []
    keys = []
    for block in _PEM.findall(value):
        try:
            key = serialization.load_pem_public_key(block.encode("ascii"))
        except (ValueError, UnsupportedAlgorithm):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            keys.append(key)
    return keys


def _signature_matches(keys: list[rsa.RSAPublicKey], signed: bytes, signature: str) -> bool:
    try:
        raw_signature = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    for key in keys:
        try:
            key.verify(raw_signature, signed, padding.PKCS1v15(), hashes.SHA256())
            return True
        except InvalidSignature:
            continue
    return False


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when an I/O Events signature (or a Commerce webhook signature) verifies under a configured key.
    Missing headers, an empty or unusable key setting → False."""
    keys = public_keys(secret)
    if not keys:
        return False
    io_signatures = [header(headers, name) for name in IO_SIGNATURES]
    if any(io_signatures):
        return any(_signature_matches(keys, raw, s) for s in io_signatures if s)
    commerce = header(headers, COMMERCE_SIGNATURE)
    if commerce:
        return _signature_matches(keys, base64.b64encode(raw), commerce)
    return False


def challenge_reply(params: Mapping[str, str]) -> str | None:
    """The body to answer I/O Events' registration check with (GET ?challenge=…), None when it is not one."""
    value = text(params.get("challenge"))
    # I/O Events sends a short token; echo nothing else (the reply is text/plain + nosniff either way)
    if not value or len(value) > MAX_CHALLENGE or not value.isascii() or not value.isprintable():
        return None
    return value


def event_name(event_type: str) -> str:
    """"com.adobe.commerce.observer.sales_order_save_commit_after" → "observer.sales_order_save_commit_after"
    (also when an environment id sits between the prefix and the name)."""
    for kind in ("observer.", "plugin."):
        at = event_type.find(kind)
        if at >= 0:
            return event_type[at:]
    return event_type.removeprefix(TYPE_PREFIX)


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_body(raw, "magento")
    if isinstance(body, list):
        return Delivery(topic="batch", resource_id="", delivery_id="", is_ping=False, flow=None)
    if not isinstance(body, dict):
        body = {}
    if set(body) == {"challenge"}:
        return Delivery(topic="challenge", resource_id="", delivery_id="", is_ping=True, flow=None)
    if header(headers, COMMERCE_SIGNATURE) and "specversion" not in body:
        name = text(body.get("eventName")) or "commerce-webhook"
        return Delivery(topic=name, resource_id="", delivery_id="", is_ping=False, flow=None)
    topic = text(body.get("type"))
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    value = data.get("value") if isinstance(data.get("value"), dict) else {}
    name = event_name(topic)
    flow = FLOWS.get(name)
    # a credit memo names its own entity id; an order may need its children's ids (parse.entity_id)
    if flow in ("refunds", "customers"):  # a credit memo or customer names its own id
        resource_id = text(value.get("entity_id")) or text(value.get("id"))
    else:
        resource_id = entity_id(value)
    return Delivery(
        topic=topic,
        resource_id=resource_id,
        delivery_id=text(body.get("id")) or text(body.get("event_id")),
        is_ping=False,
        flow=flow,
    )
