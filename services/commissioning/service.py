"""The commissioning service (Nameko). Commissioning projects.

For now it has its own database (migrated at start), health over RPC and metrics over HTTP;
its features arrive with their issues (see docs/architecture.md).
"""
from involve.kernel.nameko_parts import Database, ServiceBase


class CommissioningService(ServiceBase):
    name = "commissioning"
    db = Database()
