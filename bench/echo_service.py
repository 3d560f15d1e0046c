"""Bare Nameko services: the baseline the gateway's round trip is compared with.

EchoCaller answers HTTP GET /echo by calling EchoService.echo over RPC: one HTTP hop and one
RPC, exactly the shape of a gateway read, but with no validation, no database and no metrics.
"""
from nameko.rpc import ServiceRpc, rpc
from nameko.web.handlers import http


class EchoService:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


class EchoCaller:
    name = "echo_caller"
    echo_rpc = ServiceRpc("echo")

    @http("GET", "/echo/<string:value>")
    def echo(self, request, value):
        return self.echo_rpc.echo(value)
