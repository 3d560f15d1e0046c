"""The architecture rules the code must keep: one folder per service, no reaching into another,
one contract per service that the gateway may read, no import cycles, tests that mirror the code."""
import ast
import tomllib
from pathlib import Path

from involve.kernel.registry import BACKEND
from involve.kernel.registry import SERVICES as REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
SERVICE_FOLDERS = set(REGISTRY)
GATEWAY = SERVICES / "gateway"
# What a service's contract module may import: it is read by the gateway, so it must stay plain.
CONTRACT_MAY_IMPORT = ("marshmallow", "involve.kernel.schemas", "involve.kernel.policy",
                       "__future__", "re", "unicodedata", "datetime", "decimal")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVICES).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["involve", *parts])


def _resolve(path: Path, node: ast.ImportFrom) -> list[str]:
    """The involve modules an import statement names, relative imports resolved."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    submodules = [f"{base}.{alias.name}" for alias in node.names]
    # ``from involve.feedback import contract`` imports the submodule, not the package's code
    if all(_is_module(name) for name in submodules):
        return submodules
    return [base, *submodules]


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "involve":
        return False
    target = SERVICES.joinpath(*parts[1:])
    return target.with_suffix(".py").exists() or (target / "__init__.py").exists()


def imports(path: Path, *, inside_functions: bool):
    """(module, line) for each import at module level, or only those inside functions."""
    tree = ast.parse(path.read_text())
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    in_function = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if (id(node) in in_function) != inside_functions:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            for name in _resolve(path, node):
                yield name, node.lineno


def all_imports(path: Path):
    yield from imports(path, inside_functions=False)
    yield from imports(path, inside_functions=True)


def sources(folder: Path = SERVICES):
    return sorted(folder.rglob("*.py"))


def test_the_registry_names_every_service_folder():
    folders = {p.name for p in SERVICES.iterdir() if (p / "service.py").exists()}
    assert folders == SERVICE_FOLDERS
    assert set(BACKEND) == SERVICE_FOLDERS - {"gateway"}


def test_no_service_imports_another_service():
    """Services meet only over RPC and events. The one exception: a gateway area reads the
    contract (field rules) of the service it is named after, so each rule is written once."""
    offences = []
    for folder in SERVICE_FOLDERS:
        for path in sources(SERVICES / folder):
            rel = path.relative_to(GATEWAY).parts if folder == "gateway" else ()
            area = rel[0] if len(rel) > 1 else None
            for module, line in all_imports(path):
                parts = module.split(".")
                if parts[0] != "involve" or len(parts) < 2 or parts[1] in (folder, "kernel"):
                    continue
                if area == parts[1] and parts[2:3] == ["contract"]:
                    continue
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offences == []


def test_contracts_stay_plain_marshmallow():
    offences = []
    for path in SERVICES.glob("*/contract.py"):
        for module, line in all_imports(path):
            if module.startswith(f"involve.{path.parent.name}.contract"):
                continue
            if not module.startswith(CONTRACT_MAY_IMPORT):
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offences == []


def test_kernel_imports_no_service():
    for path in sources(SERVICES / "kernel"):
        for module, _ in all_imports(path):
            assert not module.startswith(tuple(f"involve.{s}" for s in SERVICE_FOLDERS)), path


def _graph(*, with_function_imports: bool) -> dict[str, set[str]]:
    known = {module_name(p) for p in sources()}
    graph: dict[str, set[str]] = {}
    for path in sources():
        found = all_imports(path) if with_function_imports else imports(
            path, inside_functions=False)
        graph[module_name(path)] = {m for m, _ in found if m in known} - {module_name(path)}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycles_even_through_imports_inside_functions():
    """An import inside a function that would close a cycle is a cycle dodged, not removed."""
    assert _cycles(_graph(with_function_imports=False)) == []
    assert _cycles(_graph(with_function_imports=True)) == []


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {"involve" + "".join("." + p for p in init.parent.relative_to(SERVICES).parts)
               for init in SERVICES.rglob("__init__.py")}
    assert on_disk == listed


def test_the_gateway_has_one_folder_per_area_named_like_its_service():
    """Plumbing in web/, each area in a folder named exactly as its service, nothing flat."""
    flat = {p.name for p in GATEWAY.glob("*.py")}
    assert flat == {"__init__.py", "service.py"}
    folders = {p.name for p in GATEWAY.iterdir() if (p / "__init__.py").exists()}
    assert folders - {"web"} <= SERVICE_FOLDERS - {"gateway"}
    templates = {p.name for p in (GATEWAY / "templates").iterdir() if p.is_dir()}
    assert templates <= folders - {"web"}
    for area in folders - {"web"}:
        assert (GATEWAY / area / "api.py").exists() or (GATEWAY / area / "pages.py").exists()


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


def test_no_test_module_imports_another_test_module():
    """Shared test helpers live in tests/support/ (or a folder's own helpers.py)."""
    offences = []
    for folder in (ROOT / "tests", ROOT / "tests_browser"):
        for path in folder.rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    last = node.module.split(".")[-1]
                    if last.startswith("test_") or last == "conftest":
                        offences.append(f"{path.relative_to(ROOT)} imports {node.module}")
    assert offences == []


# Test folders that mirror no one folder of the code, each with the reason it exists.
WHOLE_PLATFORM_TESTS = {
    "faults": "kills the broker, each service, PostgreSQL and the gateway under load, and loses "
              "a node of a RabbitMQ cluster: it tests the whole platform, not one service",
}


def test_tests_mirror_the_code():
    """tests/<service>/ for each service that has tests, tests/gateway/<area>/ for each area;
    besides those, only the kernel's and the CLI's, the shared helpers and the folders that
    test the whole platform (each listed above with its reason)."""
    tests = ROOT / "tests"
    allowed = SERVICE_FOLDERS | {"kernel", "cli", "support"} | set(WHOLE_PLATFORM_TESTS)
    folders = {p.name for p in tests.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= allowed, folders - allowed
    areas = {p.name for p in (tests / "gateway").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert areas <= {p.name for p in GATEWAY.iterdir() if (p / "__init__.py").exists()}
