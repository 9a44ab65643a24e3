"""Third-party tools through the ``agentkit.tools`` entry-point group: a real install, and broken entry points."""

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from agentkit.errors import ToolDefinitionError
from agentkit.tools import loading
from agentkit.tools.loading import GROUP, load_registry

PLUGIN = Path(__file__).parent / "data" / "sample_plugin"

SHOW_REGISTRY = textwrap.dedent("""
    import json
    import agentkit_sample_plugin
    from agentkit.tools.loading import load_registry

    registry = load_registry()
    coffee = registry.get("order_coffee")
    print(json.dumps({
        "names": registry.names(),
        "apps": sorted(registry.by_app()),
        "coffee": [coffee.app, coffee.changes_state, list(coffee.scopes)],
        "result": coffee.invoke({"drink": "latte"}),
        "plugin_file": agentkit_sample_plugin.__file__,
    }))
""")


def _venv_seeing_this_environment(root: Path) -> Path:
    """A venv that sees agentkit and its dependencies, for a plugin install of its own.

    ``--system-site-packages`` exposes the base interpreter's packages; when the
    tests run inside a venv, agentkit lives in *that* venv's site-packages, so a
    .pth file adds those too (``site.addsitedir`` also runs their .pth files,
    which the editable install of agentkit needs).
    """
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    lines = [f"import site; site.addsitedir({d!r})" for d in ours if Path(d).is_dir()]
    (Path(purelib) / "_agentkit_test_parent.pth").write_text("\n".join(lines) + "\n")
    return python


def test_installed_plugin_shows_up_next_to_the_builtin_apps(tmp_path):
    python = _venv_seeing_this_environment(tmp_path)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONPATH", None)
    check = subprocess.run([str(python), "-c", "import setuptools, pip; print(setuptools.__version__)"],
                           capture_output=True, text=True, env=env)
    assert check.returncode == 0, f"setuptools and pip must be importable for the plugin build: {check.stderr}"
    source = shutil.copytree(PLUGIN, tmp_path / "sample_plugin")  # builds write next to the sources
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                              "--no-index", str(source)], capture_output=True, text=True, env=env)
    assert install.returncode == 0, install.stdout + install.stderr

    run = subprocess.run([str(python), "-c", SHOW_REGISTRY], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert "order_coffee" in shown["names"] and "send_message" in shown["names"]
    assert {"coffee", "messages"} <= set(shown["apps"])
    assert shown["coffee"] == ["coffee", True, ["coffee.order"]]
    assert shown["result"] == {"ordered": "latte", "size": "medium", "pickup_in_minutes": 5}
    assert Path(shown["plugin_file"]).is_relative_to(tmp_path / "venv")
    # installed there only: this interpreter does not see it
    assert "order_coffee" not in load_registry()


@pytest.fixture
def extra_entry_points(monkeypatch):
    real = list(loading.entry_points(group=GROUP))

    def add(*specs: tuple[str, str]) -> None:
        fake = [EntryPoint(name=name, value=value, group=GROUP) for name, value in specs]
        monkeypatch.setattr(loading, "entry_points", lambda group: [*real, *fake])

    return add


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("agentkit_no_such_plugin:TOOLS",
         "entry point 'broken' (agentkit_no_such_plugin:TOOLS) failed to load: ModuleNotFoundError"),
        ("agentkit.tools.phone:NO_SUCH_LIST", "entry point 'broken' (agentkit.tools.phone:NO_SUCH_LIST) failed to load"),
        ("json:__all__", "entry point 'broken' (json:__all__) holds non-tools: ['dump'"),
        ("math:pi", "entry point 'broken' (math:pi) must name a list of Tools"),
        ("builtins:RuntimeError", "entry point 'broken' (builtins:RuntimeError) must name a list of Tools"),
    ],
)
def test_broken_entry_point_is_a_clear_definition_error(extra_entry_points, value, fragment):
    extra_entry_points(("broken", value))
    with pytest.raises(ToolDefinitionError) as info:
        load_registry()
    assert fragment in str(info.value)


def test_plugin_whose_tool_is_badly_defined_names_entry_point_and_tool(extra_entry_points, tmp_path, monkeypatch):
    (tmp_path / "agentkit_bad_plugin.py").write_text(textwrap.dedent('''
        from agentkit.tools import tool

        @tool(app="bad")
        def no_docs(x: int) -> int:
            return x

        TOOLS = [no_docs]
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    extra_entry_points(("bad", "agentkit_bad_plugin:TOOLS"))
    with pytest.raises(ToolDefinitionError, match=r"entry point 'bad' \(agentkit_bad_plugin:TOOLS\) failed to load: "
                                                  r"ToolDefinitionError: tool 'no_docs' .* needs a docstring"):
        load_registry()


def test_factory_entry_point_that_raises_is_reported(extra_entry_points, tmp_path, monkeypatch):
    (tmp_path / "agentkit_factory_plugin.py").write_text("def tools():\n    raise RuntimeError('no API key')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    extra_entry_points(("factory", "agentkit_factory_plugin:tools"))
    with pytest.raises(ToolDefinitionError, match=r"entry point 'factory' .*calling it failed: RuntimeError: no API key"):
        load_registry()


def test_plugin_reusing_a_builtin_tool_name_names_both_entry_points(extra_entry_points):
    extra_entry_points(("zz_copy", "agentkit.tools.phone:TOOLS"))
    with pytest.raises(ToolDefinitionError,
                       match=r"entry point 'zz_copy' \(agentkit.tools.phone:TOOLS\): tool name '\w+' is taken by "
                             r"entry point 'phone' \(agentkit.tools.phone:TOOLS\)"):
        load_registry()
