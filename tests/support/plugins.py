"""Plugins as pip installs them, for tests: a module and its *.dist-info folder on sys.path."""
import textwrap

BROKEN_IMPORT = "import this_module_does_not_exist\n"


def make_distribution(folder, dist_name, entry_name, module_name, source):
    """An installed distribution as pip leaves it: a module and its *.dist-info folder."""
    (folder / f"{module_name}.py").write_text(textwrap.dedent(source))
    info = folder / f"{dist_name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[involve.plugins]\n{entry_name} = {module_name}\n")
