"""FastAPI dependencies, as `Annotated` aliases the endpoints declare.

Each is `async def` although none awaits: FastAPI runs a plain `def` dependency in its
thread pool, and these three took three thread hops per call for a few attribute reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from moph_connect.api.bodies import CallBody, read_call_body
from moph_connect.networks import IPAddress, client_address
from moph_connect.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


# Declared so that OpenAPI (and /docs' "Authorize") knows the scheme; the header itself is
# read raw below, because "no header" (legacy mode) and "a malformed header" (401) differ.
hospital_key = HTTPBearer(
    auto_error=False,
    scheme_name="HospitalKey",
    description="The hospital's API key for this environment: `mcp_live_...` on /api, "
    "`mcp_test_...` on /test/api. Hospitals in legacy mode may send no Authorization header "
    "at all: the patient's MOPH Connect ID (`userId`) then names the hospital.",
)


async def get_authorization(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(hospital_key)],
) -> str | None:
    return request.headers.get("authorization")


AuthorizationDep = Annotated[str | None, Depends(get_authorization)]


def _client_of(request: Request, runtime: Runtime) -> IPAddress | None:
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), runtime.trusted_proxies)


async def get_client_address(request: Request, runtime: RuntimeDep) -> IPAddress | None:
    return _client_of(request, runtime)


ClientAddressDep = Annotated[IPAddress | None, Depends(get_client_address)]

CallBodyDep = Annotated[CallBody, Depends(read_call_body)]


@dataclass(frozen=True)
class HospitalCaller:
    """Who sent a hospital API call, as the call's front door (appointments/admission.py)
    needs it: the runtime, the raw Authorization header and the client's address."""

    runtime: Runtime
    authorization: str | None
    client: IPAddress | None


async def get_hospital_caller(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(hospital_key)],
) -> HospitalCaller:
    # One dependency for what every hospital call reads of its request: FastAPI's cost is
    # per dependency, and the API's calls are the service's hot path (issue 12).
    runtime = await get_runtime(request)
    return HospitalCaller(
        runtime, request.headers.get("authorization"), _client_of(request, runtime)
    )


HospitalCallerDep = Annotated[HospitalCaller, Depends(get_hospital_caller)]
