"""Tools served by an MCP server, callable from sync code.

:class:`MCPToolset` starts a server over stdio with the official MCP Python
SDK, lists its tools and turns each into an agentkit :class:`Tool` whose calls
go to the server. The agent calls tools from plain synchronous code, so the
MCP session lives on a private event loop in a background thread; a call
hands its request to that loop and waits for the answer. Needs the ``mcp``
extra: ``pip install 'agentkit[mcp]'``.

Example::

    with MCPToolset("python", ["weather_server.py"], app="weather") as server:
        agent = create_agent(model, server.tools)
        agent.run("Will it rain in Paris tomorrow?")
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import re
import tempfile
import threading
from typing import Any, Iterable, Mapping, Sequence

from agentkit.errors import ConfigurationError, ToolDefinitionError, ToolExecutionError
from agentkit.tools.registry import Tool

__all__ = ["MCPToolset", "import_mcp_tools"]

logger = logging.getLogger(__name__)

_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]")
_MAX_PAGES = 100
_STDERR_TAIL = 2000


def _require_mcp() -> Any:
    try:
        import mcp
    except ImportError as exc:
        raise ConfigurationError(
            f"MCP tools need the MCP SDK: pip install 'agentkit[mcp]' ({exc})"
        ) from exc
    return mcp


class MCPToolset:
    """A running MCP server (over stdio) and the agentkit tools that call it.

    The server starts when the toolset is made and stops on :meth:`close`, at
    the end of a ``with`` block, or at interpreter exit, whichever comes first.

    Server tool names are kept when they are valid agentkit names; other
    characters (``-``, ``.``, ``/``) become ``_``, and ``prefix`` goes in front.
    A tool's ``readOnlyHint`` annotation, when the server gives one, decides
    ``changes_state``; otherwise the keyword applies. Arguments are checked
    against the tool's input schema before anything is sent.

    Args:
        command: The executable that runs the server (``"python"``, ``"npx"``).
        args: Its command-line arguments.
        app: The app that owns the tools.
        env: Extra environment variables for the server; it inherits only a
            safe few (``PATH``, ``HOME``, ...) otherwise.
        cwd: The server's working directory.
        prefix: Put before every tool name (``"fs_"``), to keep names apart.
        changes_state: For tools without a ``readOnlyHint``.
        sensitive: Whether the tools need extra care (money, privacy, others).
        scopes: Permissions every tool needs, as ``area.action`` strings.
        start_timeout: Seconds to wait for the server to start and list its tools.
        call_timeout: Seconds to wait for one tool call.

    Attributes:
        tools: The server's tools as agentkit tools, in the server's order.

    Raises:
        ConfigurationError: the SDK is missing, or the server did not start or
            list its tools in time; the message ends with the server's stderr.
        ToolDefinitionError: a tool the server lists is bad (no description,
            an invalid schema, a clashing name); the server is stopped.
    """

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        *,
        app: str = "mcp",
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        prefix: str = "",
        changes_state: bool = False,
        sensitive: bool = False,
        scopes: Iterable[str] = (),
        start_timeout: float = 30.0,
        call_timeout: float = 60.0,
    ) -> None:
        mcp = _require_mcp()
        if isinstance(args, str):
            raise ConfigurationError(f"args must be a list of strings, got the string {args!r}")
        self.label = " ".join([command, *args])
        """The command line, for messages."""
        self.tools: list[Tool] = []
        self._call_timeout = call_timeout
        self._closed = False
        self._client: Any = None
        self._stop: asyncio.Event | None = None
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        params = mcp.StdioServerParameters(command=command, args=list(args), env=dict(env) if env else None, cwd=cwd)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"mcp {command}", daemon=True)
        self._thread.start()
        ready: concurrent.futures.Future = concurrent.futures.Future()
        self._session = asyncio.run_coroutine_threadsafe(self._serve(mcp, params, ready), self._loop)
        atexit.register(self.close)
        try:
            listed = ready.result(timeout=start_timeout)
        except concurrent.futures.TimeoutError:
            self.close()
            raise ConfigurationError(
                f"MCP server {self.label!r} did not list its tools within {start_timeout} s.{self._stderr_tail()}"
            ) from None
        except Exception as exc:
            tail = self._stderr_tail()
            self.close()
            raise ConfigurationError(f"MCP server {self.label!r} did not start: {_describe(exc)}.{tail}") from exc
        try:
            self.tools = self._make_tools(listed, app=app, prefix=prefix, changes_state=changes_state,
                                          sensitive=sensitive, scopes=tuple(scopes))
        except BaseException:
            self.close()
            raise

    async def _serve(self, mcp: Any, params: Any, ready: concurrent.futures.Future) -> None:
        """Own the session from start to stop: anyio scopes must close in the task that opened them."""
        try:
            async with mcp.Client(mcp.stdio_client(params, errlog=self._stderr),
                                  read_timeout_seconds=self._call_timeout) as client:
                listed: list[Any] = []
                cursor = None
                for _ in range(_MAX_PAGES):
                    page = await client.list_tools(cursor=cursor)
                    listed.extend(page.tools)
                    cursor = page.next_cursor
                    if not cursor:
                        break
                self._client = client
                self._stop = asyncio.Event()
                ready.set_result(listed)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    def _make_tools(self, listed: list[Any], *, app: str, prefix: str, changes_state: bool,
                    sensitive: bool, scopes: tuple[str, ...]) -> list[Tool]:
        tools: list[Tool] = []
        remote_of: dict[str, str] = {}
        for spec in listed:
            name = prefix + _BAD_NAME_CHARS.sub("_", spec.name)
            where = f"MCP server {self.label!r}, tool {spec.name!r}"
            if name in remote_of:
                raise ToolDefinitionError(
                    f"{where}: its agentkit name {name!r} is taken by tool {remote_of[name]!r}; pass a prefix "
                    "or rename one on the server"
                )
            remote_of[name] = spec.name
            if not spec.description or not spec.description.strip():
                raise ToolDefinitionError(f"{where}: missing description (the model chooses tools by it)")
            hints = spec.annotations
            read_only = hints.read_only_hint if hints is not None else None
            try:
                tools.append(Tool.from_schema(
                    name, spec.description, spec.input_schema, self._caller(spec.name, name), app=app,
                    changes_state=changes_state if read_only is None else not read_only,
                    sensitive=sensitive, scopes=scopes,
                ))
            except ToolDefinitionError as exc:
                raise ToolDefinitionError(f"MCP server {self.label!r}: {exc}") from None
        return tools

    def _caller(self, remote: str, name: str) -> Any:
        def call(**arguments: Any) -> Any:
            return self.call(remote, arguments, name=name)

        call.__name__ = call.__qualname__ = name
        return call

    def call(self, tool: str, arguments: Mapping[str, Any], *, name: str | None = None) -> Any:
        """Call ``tool`` on the server (by its server name), without checking the arguments.

        Args:
            tool: The tool's name on the server.
            arguments: Its arguments.
            name: The name used in error messages; defaults to ``tool``.

        Returns:
            The result's structured content when the server sends one, else its
            text (the text blocks joined by newlines), else the content blocks as dicts.

        Raises:
            ToolExecutionError: the server reported an error, did not answer in
                time, or is closed.
        """
        name = name or tool
        if self._closed or self._client is None:
            raise ToolExecutionError(f"{name} failed: the MCP server {self.label!r} is closed")
        future = asyncio.run_coroutine_threadsafe(self._client.call_tool(tool, dict(arguments)), self._loop)
        try:
            result = future.result(timeout=self._call_timeout + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ToolExecutionError(f"{name} failed: no answer from the MCP server within {self._call_timeout} s") from None
        except Exception as exc:
            raise ToolExecutionError(f"{name} failed: {_describe(exc)}") from exc
        if result.is_error:
            raise ToolExecutionError(f"{name} failed: {_text(result.content) or 'the MCP server reported an error'}")
        if result.structured_content is not None:
            return result.structured_content
        if all(getattr(c, "type", None) == "text" for c in result.content):
            return _text(result.content)
        return [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in result.content]

    def close(self) -> None:
        """Stop the server and the background thread; calls fail afterwards. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        started = False
        try:
            started = self._stop is not None
            if started:
                self._loop.call_soon_threadsafe(self._stop.set)
            else:
                self._session.cancel()
            # the SDK's stdio shutdown is bounded: stdin closed, ~2 s grace, terminate, kill
            self._session.result(timeout=15)
        except (concurrent.futures.CancelledError, asyncio.CancelledError):
            pass  # we cancelled a start that never finished
        except Exception as exc:
            # a failed start was raised to the caller already; a failed stop has no one left to tell
            if started:
                logger.warning("MCP server %r did not stop cleanly: %s", self.label, _describe(exc))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self._loop.close()
            self._client = None
            self._stderr.close()

    def __enter__(self) -> MCPToolset:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self.tools)} tools"
        return f"MCPToolset({self.label!r}, {state})"

    def _stderr_tail(self) -> str:
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read().strip()
        except (OSError, ValueError):
            return ""
        return f" Server stderr: ...{text[-_STDERR_TAIL:]}" if text else ""


def import_mcp_tools(
    command: str,
    args: Sequence[str] = (),
    *,
    app: str = "mcp",
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> list[Tool]:
    """Start an MCP server over stdio and return its tools as agentkit tools.

    The server runs until the interpreter exits; use :class:`MCPToolset`
    directly to stop it sooner.

    Args:
        command: The executable that runs the server.
        args: Its command-line arguments.
        app: The app that owns the tools.
        env: Extra environment variables for the server.
        **options: More :class:`MCPToolset` options (``prefix``, ``cwd``, ``call_timeout``...).

    Returns:
        The tools.

    Raises:
        ConfigurationError: the SDK is missing or the server did not start.
        ToolDefinitionError: a tool the server lists is bad; no tool is returned.
    """
    return MCPToolset(command, args, app=app, env=env, **options).tools


def _text(content: list[Any]) -> str:
    return "\n".join(c.text for c in content if getattr(c, "type", None) == "text")


def _describe(exc: BaseException) -> str:
    """The message of an exception, looking inside single-member exception groups (anyio's)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"
