"""Business Central client: auth (azure-identity), credential pool with local rate limits, OData paging,
deep insert, $batch, ETag/If-Match, retries honouring Retry-After, errors classified once.

Nothing here knows about shops, flows or Azure Functions.
"""

from .auth import (
    BC_SCOPE,
    BcAuthConfigError,
    ManagedIdentityAssertion,
    TokenSource,
    credential_from_settings,
)
from .client import BatchOp, BatchResult, BcClient, BcResponse, CompanyApi, CreateOnceResult, bc_api_root
from .errors import (
    BcAmbiguousWriteError,
    BcAuthError,
    BcConflictError,
    BcError,
    BcPermanentError,
    BcRetryableError,
)
from .limiter import CredentialPool, Lease, PrincipalLimiter, pool_from_settings
from .metrics import BcMetrics
from .odata import encode_query, escape_literal, key_segment, odata_string
from .retry import RetryPolicy, parse_retry_after

__all__ = [
    "BC_SCOPE",
    "BatchOp",
    "BatchResult",
    "BcAmbiguousWriteError",
    "BcAuthConfigError",
    "BcAuthError",
    "BcClient",
    "BcConflictError",
    "BcError",
    "BcMetrics",
    "BcPermanentError",
    "BcResponse",
    "BcRetryableError",
    "CompanyApi",
    "CreateOnceResult",
    "CredentialPool",
    "Lease",
    "ManagedIdentityAssertion",
    "PrincipalLimiter",
    "RetryPolicy",
    "TokenSource",
    "bc_api_root",
    "credential_from_settings",
    "encode_query",
    "escape_literal",
    "key_segment",
    "odata_string",
    "parse_retry_after",
    "pool_from_settings",
]
