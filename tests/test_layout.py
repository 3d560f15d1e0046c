"""The architecture rules the code must keep: one folder per service, no reaching into another."""
import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
SERVICE_FOLDERS = {"identity", "panels", "mystery_shopping", "feedback", "commissioning",
                   "reporting", "gateway"}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_service_imports_another_service():
    offences = []
    for folder in SERVICE_FOLDERS:
        for path in (SERVICES / folder).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "involve" and len(parts) > 1 and parts[1] != folder \
                        and parts[1] != "kernel":
                    offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []


def test_kernel_imports_no_service():
    for path in (SERVICES / "kernel").rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(tuple(f"involve.{s}" for s in SERVICE_FOLDERS)), path


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {"involve" + "".join("." + p for p in init.parent.relative_to(SERVICES).parts)
               for init in SERVICES.rglob("__init__.py")}
    assert on_disk == listed


def test_gateway_mixins_do_not_override_each_other():
    """The gateway is built from mixins (API and pages per service): a method name defined in
    two of them would silently replace one with the other."""
    from involve.gateway.service import GatewayService

    seen: dict[str, str] = {}
    clashes = []
    for base in GatewayService.__mro__[1:]:
        if base is object or not base.__module__.startswith("involve.gateway"):
            continue
        for name, value in vars(base).items():
            if callable(value) and not name.startswith("__"):
                if name in seen:
                    clashes.append(f"{name} in {seen[name]} and {base.__name__}")
                seen[name] = base.__name__
    assert clashes == []
