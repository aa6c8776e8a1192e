"""MkDocs hook: the command-line reference, generated from the typer app at build time.

docs/cli.md holds the marker below; this hook replaces it with, for the `briefing` group and each of
its commands, the usage line, the help text and a table of the arguments and options (flags,
type or choices, default, help), read from the click objects typer builds
(`typer.main.get_command`). Nothing is typed twice, so the page cannot drift from `--help`.

Importing `briefing.cli` must stay cheap: it imports no engine (torch is imported on first use
only), which tests/test_docs.py checks.
"""

from __future__ import annotations

import html
import inspect
import re
import sys
from enum import Enum
from pathlib import Path

MARKER = "<!-- cli-reference -->"
ENV_MARKER = "<!-- environment-reference -->"
PAGE = "cli.md"


def on_config(config, **kwargs):
    """Make the repository's package importable even when it is not installed."""
    root = str(Path(config.config_file_path).resolve().parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    return config


def on_page_markdown(markdown, *, page, config, files, **kwargs):
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{PAGE} has lost its marker {MARKER}: the command-line reference has nowhere to go")
    if ENV_MARKER not in markdown:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{PAGE} has lost its marker {ENV_MARKER}: the environment variables have nowhere to go")
    return markdown.replace(MARKER, render()).replace(ENV_MARKER, render_environment())


def render_environment() -> str:
    """The environment variables, from their declarations (briefing.options.Environment)."""
    import dataclasses

    from briefing.options import Environment, variable

    lines = ["| variable | values | default | what it does |", "|---|---|---|---|"]
    for field in dataclasses.fields(Environment):
        meta = field.metadata
        if meta["choices"]:
            values = " ".join(f"`{c}`" for c in meta["choices"])
        elif meta["low"] is not None:
            values = f"{meta['low']} to {meta['high']}"
        else:
            values = "a path"
        default = f"`{field.default}`" if field.default is not None else "unset"
        lines.append(f"| `{variable(field.name)}` | {values} | {default} | {_cell(meta['help'])} |")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The reference, as Markdown: the group first, then every command in the order it was declared."""
    import typer

    from briefing.cli import app

    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="briefing", **(group.context_settings or {}))
    markup = getattr(group, "rich_markup_mode", None)
    out = [_summary(group, ctx), *_command(group, ctx, markup, level=3, root=True)]
    return "\n".join(out).rstrip() + "\n"


def _subcommands(command, ctx) -> list:
    """(name, command, its context) for each visible subcommand, in declaration order."""
    if not hasattr(command, "list_commands"):
        return []
    found = []
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or getattr(sub, "hidden", False):
            continue
        found.append((name, sub, sub.context_class(sub, info_name=name, parent=ctx)))
    return found


def _summary(group, ctx) -> str:
    """A table of the commands, each linked to its section."""
    lines = ["| command | what it does |", "|---|---|"]
    for _name, sub, sub_ctx in _subcommands(group, ctx):
        first = _paragraphs(sub.help, getattr(sub, "rich_markup_mode", None))
        summary = _cell(first[0]) if first else ""
        lines.append(f"| [`{sub_ctx.command_path}`](#{_anchor(sub_ctx.command_path)}) | {summary} |")
    names = " or ".join(f"`{n}`" for n in _help_names(ctx))
    return "\n".join(lines) + f"\n\nEvery command also takes {names}, which prints its help and exits.\n"


def _command(command, ctx, markup, level: int, root: bool = False) -> list[str]:
    """The section of one command, then those of its subcommands (the group's at its own level)."""
    path = ctx.command_path
    out = [f"{'#' * level} `{path}` {{#{_anchor(path)}}}", ""]
    if getattr(command, "deprecated", False):
        out += ["*Deprecated.*", ""]
    usage = " ".join([path, *command.collect_usage_pieces(ctx)])
    out += ["```text", usage, "```", ""]
    for paragraph in _paragraphs(command.help, markup):
        out += [_text(paragraph), ""]
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False) and not _is_help(p, ctx)]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name != "argument"]
    for title, group in (("Arguments", arguments), ("Options", options)):
        if not group:
            continue
        out += [f"**{title}**", "", "| name | type | default | what it does |", "|---|---|---|---|"]
        out += [_row(p, ctx, markup) for p in group]
        out.append("")
    for _name, sub, sub_ctx in _subcommands(command, ctx):
        out += _command(sub, sub_ctx, getattr(sub, "rich_markup_mode", markup), level if root else min(level + 1, 6))
    return out


def _row(param, ctx, markup) -> str:
    if param.param_type_name == "argument":
        name = f"`{param.metavar or param.name.upper()}`"
    else:
        name = ", ".join(f"`{o}`" for o in param.opts)
        if param.secondary_opts:
            name += " / " + ", ".join(f"`{o}`" for o in param.secondary_opts)
    help_text = " ".join(_paragraphs(param.help, markup))
    envvar = param.envvar
    if envvar:
        names = [envvar] if isinstance(envvar, str) else list(envvar)
        help_text += " Environment: " + ", ".join(names) + "."
    default = _default(param, ctx)
    if default and default != "required" and "`" not in default:
        default = f"`{default}`"
    else:
        default = _cell(default)
    return f"| {name} | {_cell(_type(param, ctx))} | {default} | {_cell(help_text.strip())} |"


def _type(param, ctx) -> str:
    """What the value is: `flag` for a boolean flag, else the choices or the type typer shows."""
    if getattr(param, "is_bool_flag", False) or (getattr(param, "is_flag", False) and not getattr(param, "count", 0)):
        return "flag"
    if param.param_type_name == "option" and param.metavar:
        label = param.metavar
    elif callable(getattr(param, "display_type", None)):  # typer's own parameters
        label = param.display_type(ctx).removeprefix("<").removesuffix(">")
    else:  # plain click parameters
        kind = param.type
        choices = getattr(kind, "choices", None)
        label = "|".join(str(c) for c in choices) if choices else kind.name
    bounds = _range(param)
    return f"{label}, {bounds}" if bounds else label


def _range(param) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        kind = getattr(param, "type", None)
        low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    if low is None and high is None:
        return ""
    if low is None:
        return f"x<={high}"
    if high is None:
        return f"x>={low}"
    return f"{low}<=x<={high}"


def _default(param, ctx) -> str:
    """The default as `--help` shows it; `required` for a required parameter, "" for none."""
    if param.required:
        return "required"
    show = getattr(param, "show_default", None)
    if isinstance(show, str):
        return show
    if show is False:
        return ""
    value = param.get_default(ctx, call=False)
    if value is None:
        return ""
    if callable(value):
        return "(dynamic)"
    if getattr(param, "is_flag", False):
        if param.secondary_opts:  # --x / --no-x: the one that applies
            return (param.opts if value else param.secondary_opts)[0]
        return "on" if value else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def _is_help(param, ctx) -> bool:
    return param.param_type_name == "option" and set(param.opts) <= set(_help_names(ctx))


def _help_names(ctx) -> list[str]:
    return sorted(ctx.help_option_names, key=len)


def _paragraphs(text: str | None, markup) -> list[str]:
    """Help text as typer prints it: dedented, cut at \\f, paragraphs with their single line breaks
    joined, rich markup ("[bold]", escapes) reduced to the plain text it shows."""
    text = inspect.cleandoc(text or "").partition("\f")[0]
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            paragraph = paragraph.strip("\b\n")
        else:
            paragraph = " ".join(line.strip() for line in paragraph.splitlines())
        paragraph = _plain(paragraph.strip(), markup)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


def _plain(text: str, markup) -> str:
    if markup != "rich" or not text:
        return text
    try:
        from rich.errors import MarkupError
        from rich.text import Text
    except ImportError:
        return text
    if "\x1b[" in text:
        return Text.from_ansi(text).plain
    try:
        return Text.from_markup(text).plain
    except MarkupError:
        return text


_CODE = re.compile(r"(`[^`\n]+`)")


def _text(text: str) -> str:
    """Plain text made safe for Markdown: code spans kept, the rest escaped."""
    parts = _CODE.split(text)
    for i, part in enumerate(parts):
        if i % 2 == 0:
            part = html.escape(part, quote=False)
            parts[i] = re.sub(r"([\\*_\[\]|#])", r"\\\1", part)
    return "".join(parts).replace("\n", "<br>")


def _cell(text: str) -> str:
    """Text for a table cell: escaped and on one line (a pipe inside a code span splits no cell)."""
    return _text(text).replace("<br>", " ")


def _anchor(command_path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", command_path.lower()).strip("-")
