"""Plugins: one entry-point group, ``involve.plugins``, loaded with pluggy.

Each entry point is loaded under its own guard, so one broken plugin is reported by name and the
others still load. In strict mode (CI, or ``PLUGINS_STRICT``) any broken plugin is fatal.

A plugin is a module (or object) with functions named after the hooks below, each marked with
``involve.kernel.plugins.hookimpl``. What each hook returns is checked by the service that uses
it (for example, mystery shopping validates benchmark question sets).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

import pluggy

GROUP = "involve.plugins"
hookspec = pluggy.HookspecMarker("involve")
hookimpl = pluggy.HookimplMarker("involve")


class HookSpecs:
    @hookspec
    def involve_benchmark_sets(self):
        """Return a list of benchmark question sets (dicts) for mystery shopping."""

    @hookspec
    def involve_quota_rules(self):
        """Return a list of quota rules that turn an organisation's policy into panel quotas."""

    @hookspec
    def involve_spectrum_criteria(self):
        """Return a list of leadership-spectrum / 4PI criteria for self-assessment."""


HOOK_NAMES = tuple(name for name in vars(HookSpecs) if name.startswith("involve_"))


@dataclass
class LoadedPlugin:
    name: str
    value: str
    distribution: str | None
    hooks: list[str]


@dataclass
class BrokenPlugin:
    name: str
    value: str
    distribution: str | None
    error: str

    def describe(self) -> str:
        where = f" (from {self.distribution})" if self.distribution else ""
        return f"plugin '{self.name}'{where} could not be loaded: {self.error}"


class PluginError(RuntimeError):
    """Raised in strict mode when any plugin is broken."""


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    loaded: list[LoadedPlugin] = field(default_factory=list)
    broken: list[BrokenPlugin] = field(default_factory=list)

    def call(self, hook_name: str) -> list[tuple[str, object]]:
        """Call one hook on every plugin; returns (plugin name, item) pairs, flattened.

        A plugin whose hook raises is reported as broken and skipped, never fatal to the others.
        """
        results = []
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            try:
                returned = impl.function()
            except Exception as exc:  # a plugin's bug must not take the service down
                self.broken.append(
                    BrokenPlugin(impl.plugin_name, "", None, f"{hook_name} failed: {exc!r}")
                )
                continue
            for item in returned or []:
                results.append((impl.plugin_name, item))
        return results


def _distribution_name(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else None


def load(strict: bool = False, eps=None) -> Plugins:
    manager = pluggy.PluginManager("involve")
    manager.add_hookspecs(HookSpecs)
    plugins = Plugins(manager)
    eps = entry_points(group=GROUP) if eps is None else eps
    for ep in sorted(eps, key=lambda e: e.name):
        dist = _distribution_name(ep)
        try:
            obj = ep.load()
            if manager.has_plugin(ep.name):
                raise PluginError("another plugin already uses this name")
            manager.register(obj, name=ep.name)
            try:
                manager.check_pending()
            except pluggy.PluginValidationError as exc:
                manager.unregister(name=ep.name)
                raise PluginError(f"it implements a hook Involve does not know: {exc}") from None
            hooks = [h.name for h in manager.get_hookcallers(obj) or []]
            if not hooks:
                manager.unregister(name=ep.name)
                raise PluginError(
                    "it provides none of the Involve hooks (" + ", ".join(HOOK_NAMES) + ")"
                )
        except Exception as exc:  # any failure in a plugin's import is that plugin's problem
            plugins.broken.append(BrokenPlugin(ep.name, ep.value, dist, f"{type(exc).__name__}: {exc}"))
            continue
        plugins.loaded.append(LoadedPlugin(ep.name, ep.value, dist, sorted(hooks)))
    if strict and plugins.broken:
        raise PluginError("; ".join(b.describe() for b in plugins.broken))
    return plugins
