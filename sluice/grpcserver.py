"""The gRPC server factory every service uses: health, reflection, auth and error mapping.

`create_server()` is separate from serving so tests bind port 0 and get the real port back
(grpc's examples/python/errors/server.py habit).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import trace
from opentelemetry.instrumentation.grpc import filters, server_interceptor
from opentelemetry.trace import Status, StatusCode

from sluice.auth import Authenticator, reset_caller, set_caller
from sluice.errors import SluiceError
from sluice.telemetry import Telemetry

log = logging.getLogger(__name__)

# Infrastructure services answer without an API key (probes, grpcurl).
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
# Probes and tooling: no spans (a health check every few seconds would bury the uploads).
_UNTRACED = ("grpc.health.v1.", "grpc.reflection.")

Behavior = Callable[..., Any]


def _wrap_handler(
    handler: grpc.RpcMethodHandler, around: Callable[[Behavior, bool], Behavior]
) -> grpc.RpcMethodHandler:
    """Rebuild a method handler with its behaviour wrapped (the sync API has no per-call hook)."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            around(handler.unary_unary, False), handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            around(handler.unary_stream, True), handler.request_deserializer, handler.response_serializer
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            around(handler.stream_unary, False), handler.request_deserializer, handler.response_serializer
        )
    return grpc.stream_stream_rpc_method_handler(
        around(handler.stream_stream, True), handler.request_deserializer, handler.response_serializer
    )


def _abort_with(context: grpc.ServicerContext, error: SluiceError) -> None:
    context.abort_with_status(rpc_status.to_status(error.to_status()))


class CallInterceptor(grpc.ServerInterceptor):
    """Authenticates every non-public call, maps exceptions to statuses and times calls, in one place."""

    def __init__(self, *, authenticator: Authenticator | None, telemetry: Telemetry | None = None):
        self._auth = authenticator
        self._telemetry = telemetry

    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(PUBLIC_PREFIXES):
            return handler
        method = handler_call_details.method
        metadata = dict(handler_call_details.invocation_metadata or ())
        authorization = metadata.get("authorization")

        @contextlib.contextmanager
        def served(context: grpc.ServicerContext) -> Iterator[None]:
            """The caller is known inside; our errors leave as statuses, anything else as INTERNAL."""
            token = None
            started = time.monotonic()
            code = grpc.StatusCode.OK
            try:
                if self._auth is not None:
                    caller = self._auth.authenticate(authorization)
                    token = set_caller(caller)
                    trace.get_current_span().set_attribute("sluice.tenant", caller.tenant)
                yield
            except SluiceError as error:
                code = error.code
                _mark_span(code, error.message, error.reason)
                _abort_with(context, error)
            except Exception:
                if context.code() is not None:  # context.abort() already chose the status
                    code = context.code()
                    raise
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s", method)
                context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
            finally:
                if token is not None:
                    reset_caller(token)
                if self._telemetry is not None:
                    self._telemetry.metrics.rpc_duration.record(
                        time.monotonic() - started, {"rpc_method": method, "rpc_grpc_status_code": code.name}
                    )

        def around(behavior: Behavior, streaming: bool) -> Behavior:
            def call(request: Any, context: grpc.ServicerContext) -> Any:
                with served(context):
                    return behavior(request, context)

            def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                with served(context):
                    yield from behavior(request, context)

            return stream if streaming else call

        return _wrap_handler(handler, around)


def _mark_span(code: grpc.StatusCode, message: str, reason: str) -> None:
    """abort_with_status bypasses the OpenTelemetry wrapper, so the RPC span learns the outcome here."""
    span = trace.get_current_span()
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    span.set_attribute("sluice.error.reason", reason)
    if code is not grpc.StatusCode.OK:
        span.set_status(Status(StatusCode.ERROR, f"{code.name}: {message}"))


@dataclass
class ServerHandle:
    """A created (not yet started) server, its bound port and its health servicer."""

    server: grpc.Server
    port: int
    health: health.HealthServicer

    def set_serving(self, service_names: Iterable[str], serving: bool = True) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", *service_names):
            self.health.set(name, status)


def create_server(
    *,
    port: int,
    register: Iterable[Callable[[grpc.Server], None]],
    service_names: Iterable[str],
    authenticator: Authenticator | None,
    telemetry: Telemetry | None = None,
    max_workers: int = 16,
    host: str = "127.0.0.1",
) -> ServerHandle:
    """Build a server with our interceptors, the stock health servicer and reflection.

    With telemetry, every call but health checks and reflection gets a SERVER span (the outermost
    interceptor, so authentication and error mapping happen inside it) and a duration sample.
    """
    interceptors: list[grpc.ServerInterceptor] = []
    if telemetry is not None:
        interceptors.append(
            server_interceptor(
                tracer_provider=telemetry.tracer_provider,
                filter_=filters.negate(filters.any_of(*(filters.service_prefix(p) for p in _UNTRACED))),
            )
        )
    interceptors.append(CallInterceptor(authenticator=authenticator, telemetry=telemetry))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=interceptors,
        maximum_concurrent_rpcs=max_workers * 4,
        options=[
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            # A fixed 1 MiB receive window per stream instead of BDP probing, which grew windows
            # without bound while uploads waited for part buffers (measured: +110 MiB RSS with
            # 4 concurrent uploads). 1 MiB still fills a 10 ms round trip at 100 MB/s per upload.
            ("grpc.http2.bdp_probe", 0),
            ("grpc.http2.lookahead_bytes", 1024 * 1024),
        ],
    )
    for add in register:
        add(server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = list(service_names)
    reflection.enable_server_reflection((*names, reflection.SERVICE_NAME, health.SERVICE_NAME), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot bind gRPC port {host}:{port}")
    handle = ServerHandle(server=server, port=bound, health=health_servicer)
    handle.set_serving(names, serving=False)
    return handle
