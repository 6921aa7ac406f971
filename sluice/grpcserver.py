"""The gRPC server factory every service uses: health, reflection, auth and error mapping.

`create_server()` is separate from serving so tests bind port 0 and get the real port back
(grpc's examples/python/errors/server.py habit).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from sluice.auth import Authenticator, reset_caller, set_caller
from sluice.errors import SluiceError

log = logging.getLogger(__name__)

# Infrastructure services answer without an API key (probes, grpcurl).
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")

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
    """Authenticates every non-public call and maps exceptions to statuses, in one place."""

    def __init__(self, *, authenticator: Authenticator | None):
        self._auth = authenticator

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
            try:
                if self._auth is not None:
                    token = set_caller(self._auth.authenticate(authorization))
                yield
            except SluiceError as error:
                _abort_with(context, error)
            except Exception:
                if context.code() is not None:  # context.abort() already chose the status
                    raise
                log.exception("unhandled error in %s", method)
                context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
            finally:
                if token is not None:
                    reset_caller(token)

        def around(behavior: Behavior, streaming: bool) -> Behavior:
            def call(request: Any, context: grpc.ServicerContext) -> Any:
                with served(context):
                    return behavior(request, context)

            def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                with served(context):
                    yield from behavior(request, context)

            return stream if streaming else call

        return _wrap_handler(handler, around)


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
    max_workers: int = 16,
    host: str = "127.0.0.1",
) -> ServerHandle:
    """Build a server with our interceptor, the stock health servicer and reflection."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[CallInterceptor(authenticator=authenticator)],
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
