"""Files app: browse, search, read, rename, move and delete the files on the phone."""

from __future__ import annotations

import posixpath
import re

from agentkit.errors import ToolExecutionError
from agentkit.tools.phone._lookup import find_record, norm, ranked
from agentkit.tools.phone.device import Phone
from agentkit.tools.registry import Injected, tool

__all__ = ["TOOLS", "create_folder", "delete_file", "list_files", "move_file", "read_text_file",
           "rename_file", "search_files"]


def _name(f: dict) -> str:
    return posixpath.basename(f["path"])


def _info(f: dict) -> dict:
    return {"name": _name(f), "path": f["path"], "size_kb": f["size_kb"], "modified": f["modified"]}


def _find_file(items: list[dict], file: str) -> dict:
    q = str(file).strip()
    try:
        return find_record(items, q if q.startswith("/") else q.strip("/"), kind="file", fields=("path",),
                           extra=lambda f: [_name(f), posixpath.splitext(_name(f))[0]])
    except ToolExecutionError as exc:
        # "2025 taxes" names "Taxes 2025.pdf": fall back to the words of the name, in any order.
        words = set(re.findall(r"[a-z0-9]+", norm(q))) - {"file", "the", "my"}
        hits = [f for f in items if words and words <= set(re.findall(r"[a-z0-9]+", norm(_name(f))))]
        if len(hits) == 1 and "no file" in str(exc):
            return hits[0]
        raise


def _folder(files: dict, folder: str) -> str:
    """The existing folder named by a path or by its last part (``Recipes``)."""
    q = "/" + norm(folder).strip("/")
    folders = files["folders"]
    if q == "/" or norm(folder) in ("root", "top", "files", "all files"):
        return "/"
    hits = [f for f in folders if norm(f) == q] or [f for f in folders if norm(f).endswith(q)]
    if len(hits) == 1:
        return hits[0]
    choices = ", ".join(["/", *folders])
    if hits:
        raise ToolExecutionError(f"{folder!r} matches several folders: {', '.join(hits)}. Use the full path.")
    raise ToolExecutionError(f"no folder {folder!r}. Folders: {choices}")


@tool(app="files", scopes=["files.read"], examples=[
    "What's in my Downloads folder?",
    "Show my files",
    "List the documents in Work",
])
def list_files(phone: Injected[Phone], folder: str = "/") -> dict:
    """List the files and subfolders in a folder (the top folder by default).

    Args:
        folder: The folder's name or path; leave empty for the top folder.
    """
    files = phone.state()["files"]
    where = _folder(files, folder or "/")
    subfolders = [f for f in files["folders"] if posixpath.dirname(f) == where]
    inside = [_info(f) for f in files["items"] if posixpath.dirname(f["path"]) == where]
    return {"folder": where, "folders": subfolders, "files": sorted(inside, key=lambda f: f["name"])}


@tool(app="files", scopes=["files.read"], examples=[
    "Find my boarding pass",
    "Search my files for the router password",
    "Where is my resume?",
    "Do I have a file about the budget?",
])
def search_files(phone: Injected[Phone], query: str) -> list[dict]:
    """Search all files by words in their name or, for text files, their contents.

    Args:
        query: Words from the user's request to look for.
    """
    words = norm(query).replace("_", " ").split()
    if not words:
        raise ToolExecutionError("empty query: give words to look for")
    hits = ranked(phone.state()["files"]["items"], words,
                  lambda f: norm(f["path"].replace("_", " ") + " " + (f.get("text") or "")))
    return [_info(f) for f in hits]


@tool(app="files", scopes=["files.read"], examples=[
    "Open my meeting notes file",
    "Read the pumpkin pie recipe file",
    "What does router_setup.txt say?",
])
def read_text_file(phone: Injected[Phone], file: str) -> dict:
    """Read the contents of a text file.

    Args:
        file: The file's name or path as the user said it.
    """
    record = _find_file(phone.state()["files"]["items"], file)
    if record.get("text") is None:
        ext = posixpath.splitext(record["path"])[1].lstrip(".").upper() or "binary"
        raise ToolExecutionError(f"{_name(record)!r} is a {ext} file; only text files can be read")
    return {"path": record["path"], "text": record["text"]}


@tool(app="files", changes_state=True, rehearsable=True, scopes=["files.write"], examples=[
    "Rename Resume.pdf to Resume 2026.pdf",
    "Call the invoice file March invoice",
    "Rename my slides to Q4 final",
])
def rename_file(phone: Injected[Phone], file: str, new_name: str) -> dict:
    """Rename a file in place; its extension is kept when the new name has none.

    Args:
        file: The file's current name or path as the user said it.
        new_name: The new file name.
    """
    new_name = " ".join(str(new_name).split()).strip("/")
    if not new_name or "/" in new_name:
        raise ToolExecutionError("new_name must be a plain file name, without folders; use move_file to move")
    with phone.transaction() as s:
        items = s["files"]["items"]
        record = _find_file(items, file)
        ext = posixpath.splitext(record["path"])[1]
        if not posixpath.splitext(new_name)[1]:
            new_name += ext
        new_path = posixpath.join(posixpath.dirname(record["path"]), new_name)
        if norm(new_path) == norm(record["path"]):  # a no-op is no change (and would count as one)
            raise ToolExecutionError(f"{record['path']!r} already has that name; nothing was renamed "
                                     "(to put it in another folder, use move_file)")
        if any(norm(f["path"]) == norm(new_path) for f in items if f is not record):
            raise ToolExecutionError(f"{new_path!r} already exists")
        old = record["path"]
        record["path"] = new_path
    return {"renamed": old, "path": new_path}


@tool(app="files", changes_state=True, rehearsable=True, scopes=["files.write"], examples=[
    "Move the boarding pass to Documents",
    "Put the invoice in my Work folder",
    "Move Pumpkin pie.txt into Notes",
])
def move_file(phone: Injected[Phone], file: str, folder: str) -> dict:
    """Move a file into another existing folder.

    Args:
        file: The file's name or path as the user said it.
        folder: The destination folder's name or path.
    """
    with phone.transaction() as s:
        files = s["files"]
        record = _find_file(files["items"], file)
        where = _folder(files, folder)
        if posixpath.dirname(record["path"]) == where:
            raise ToolExecutionError(f"{_name(record)!r} is already in {where}")
        new_path = posixpath.join(where, _name(record))
        if any(norm(f["path"]) == norm(new_path) for f in files["items"]):
            raise ToolExecutionError(f"{new_path!r} already exists")
        old = record["path"]
        record["path"] = new_path
    return {"moved": old, "path": new_path}


@tool(app="files", changes_state=True, rehearsable=True, scopes=["files.write"], examples=[
    "Make a new folder called Travel",
    "Create a Taxes folder inside Documents",
    "Add a folder named Receipts",
])
def create_folder(phone: Injected[Phone], name: str, parent: str = "/") -> dict:
    """Create a new, empty folder.

    Args:
        name: The new folder's name.
        parent: The folder to create it in; leave empty for the top folder.
    """
    name = " ".join(str(name).split()).strip("/")
    if not name or "/" in name:
        raise ToolExecutionError("the folder name must be a plain name, without '/'")
    with phone.transaction() as s:
        files = s["files"]
        path = posixpath.join(_folder(files, parent or "/"), name)
        if any(norm(f) == norm(path) for f in files["folders"]):
            raise ToolExecutionError(f"the folder {path!r} already exists")
        files["folders"].append(path)
    return {"created": path}


@tool(app="files", changes_state=True, rehearsable=True, sensitive=True, scopes=["files.write"], examples=[
    "Delete the invoice file",
    "Remove wallpaper.jpg",
    "Get rid of my 2025 taxes file",
])
def delete_file(phone: Injected[Phone], file: str) -> dict:
    """Delete a file for good.

    Args:
        file: The file's name or path as the user said it.
    """
    with phone.transaction() as s:
        record = _find_file(s["files"]["items"], file)
        s["files"]["items"].remove(record)
    return {"deleted": _info(record)}


TOOLS = [list_files, search_files, read_text_file, rename_file, move_file, create_folder, delete_file]
