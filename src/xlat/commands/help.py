"""Help text generated from the command registry (also used for docs/commands.md)."""

from __future__ import annotations

import inspect
import textwrap

from xlat.commands.spec import REGISTRY, REQUIRED, ArgSpec, Command, Kind, Registry

TOPIC_TITLES = {
    "pipeline": "Pipeline steps (Fermitools names and parameters)",
    "data": "Data and products",
    "model": "Source model",
    "fit": "Fitting",
    "show": "Inspection",
    "plot": "Plots",
    "simulate": "Simulation (gtorbsim / gtobssim)",
    "session": "Session",
}


# the pipeline steps in the order the Binned Likelihood Tutorial runs them (help lists them so)
PIPELINE_ORDER = ("select", "mktime", "vcut", "bin", "ltcube", "expcube", "psf", "srcmaps", "like", "model")


def _listed(topic: str, classes: list[type[Command]]) -> list[type[Command]]:
    """A topic's commands as help lists them: registration order, pipeline steps in tutorial order."""
    if topic != "pipeline":
        return classes
    rank = {name: i for i, name in enumerate(PIPELINE_ORDER)}
    return sorted(classes, key=lambda c: rank.get(c.name, len(rank)))


WIDTH = 79
"""Help text is wrapped to this many columns (an 80-column terminal), continuation lines indented."""


def _fill(text: str, indent: int, first: str = "") -> str:
    """``first`` + ``text`` wrapped to WIDTH, continuation lines indented by ``indent`` spaces."""
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=" " * indent,
                         break_on_hyphens=False)


def _paragraphs(text: str) -> str:
    """Prose paragraphs re-wrapped to WIDTH; a paragraph with an indented line is kept as written."""
    out = []
    for para in text.split("\n\n"):
        lines = para.splitlines()
        out.append(para if any(line[:1].isspace() for line in lines) else _fill(" ".join(lines), 0))
    return "\n\n".join(out)


def _listing(name: str, text: str) -> str:
    """``  name       text``, wrapped under the text."""
    return _fill(text, 13, f"  {name:<10} ")


def _default_text(spec: ArgSpec) -> str:
    if spec.default is REQUIRED:
        return "(required)"
    if spec.nargs:
        return ""
    return f"[{spec.format_value(spec.default)}]"


def _type_text(spec: ArgSpec) -> str:
    if spec.kind is Kind.CHOICE:
        return "|".join(spec.choices)
    return {Kind.STR: "string", Kind.FILE: "file", Kind.INT: "int", Kind.FLOAT: "real", Kind.BOOL: "yes|no"}[
        spec.kind
    ]


def command_help(cls: type[Command]) -> str:
    """Plain-text help for one command."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    tool = f" (as {cls.tool})" if cls.tool else ""
    lines = [_fill(cls.summary(), 2, f"{cls.name}{tool}: ")]
    rest = doc.partition("\n\n")[2].strip()
    if rest:
        lines += ["", _paragraphs(rest)]
    usage = [cls.name]
    for spec in cls.specs():
        if spec.positional:
            usage.append(f"{spec.name.upper()}{'...' if spec.nargs else ''}")
    if any(not s.positional for s in cls.specs()):
        usage.append("[key=value ...]")
    lines += ["", "usage: " + " ".join(usage), "", "parameters:"]
    specs = cls.specs()
    # columns as narrow as the names, types and defaults allow (a long list of choices or a long
    # default overflows its column and puts the description on the next line)
    name_w = max((len(s.name) for s in specs), default=0)
    type_w = max((len(t) for t in (_type_text(s) for s in specs) if len(t) <= 12), default=0)
    default_w = max((len(d) for d in (_default_text(s) for s in specs) if len(d) <= 16), default=0)
    indent = 2 + name_w + 1 + type_w + 1 + default_w + 1
    for spec in specs:
        flag = "" if spec.query or spec.positional or spec.required else " (hidden)"
        indef = ", INDEF allowed" if spec.indef else ""
        head = f"  {spec.name:<{name_w}} {_type_text(spec):<{type_w}} {_default_text(spec):<{default_w}} "
        if len(head) > indent:
            lines.append(_fill(head.rstrip(), 2 + name_w + 1))
            head = " " * indent
        lines.append(_fill(f"{spec.help}{indef}{flag}", indent, head))
    return "\n".join(lines)


def overview(registry: Registry = REGISTRY) -> str:
    """Plain-text list of every command, grouped by topic."""
    lines = ["xlat: Fermi-LAT binned likelihood analysis", "", "usage: xlat <command> key=value ...", ""]
    for topic, classes in registry.by_topic().items():
        lines.append(TOPIC_TITLES.get(topic, topic.capitalize()) + ":")
        for cls in _listed(topic, classes):
            tool = f" [{cls.tool}]" if cls.tool else ""
            lines.append(_listing(cls.name, f"{cls.summary()}{tool}"))
        lines.append("")
    lines.append(_fill("The steps in [brackets] also answer to those Fermitools names "
                       "(xlat gtselect ..., xlat gtlike ...).", 0))
    lines.append(_fill("xlat <command> --help shows a command's parameters; xlat with no command opens the session.", 0))
    return "\n".join(lines)


def find_topic(name: str, registry: Registry = REGISTRY) -> str | None:
    """The topic called ``name`` (case-insensitive), if any command has it."""
    low = name.lower()
    return next((t for t in registry.by_topic() if t.lower() == low), None)


def topic_help(topic: str, registry: Registry = REGISTRY) -> str:
    """Plain-text list of the commands of one topic."""
    classes = registry.by_topic().get(topic, [])
    lines = [TOPIC_TITLES.get(topic, topic.capitalize()) + ":"]
    for cls in _listed(topic, classes):
        tool = f" [{cls.tool}]" if cls.tool else ""
        lines.append(_listing(cls.name, f"{cls.summary()}{tool}"))
    lines += ["", "help <command> shows a command's parameters."]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def commands_markdown(registry: Registry = REGISTRY) -> str:
    """docs/commands.md: every command of the registry with its parameters (regenerate with
    ``python tools/make_commands_doc.py``; tests/test_docs_current.py checks it is current)."""
    lines = ["# xlat commands", "",
             "Generated from the command registry by `python tools/make_commands_doc.py`; do not edit",
             "by hand. Every command runs the same way from the shell (`xlat <command> key=value ...`), in",
             "the interactive session and in session scripts. Parameters marked *hidden* are not prompted",
             "for.", ""]
    for topic, classes in registry.by_topic().items():
        lines.append(f"- **{TOPIC_TITLES.get(topic, topic.capitalize())}**: "
                     + ", ".join(f"[`{c.name}`](#{c.name})" for c in classes))
    aliases: dict[str, list[str]] = {}
    for alias, name in registry.aliases.items():
        aliases.setdefault(name, []).append(alias)
    for topic, classes in registry.by_topic().items():
        lines += ["", f"## {TOPIC_TITLES.get(topic, topic.capitalize())}"]
        for cls in classes:
            doc = inspect.cleandoc(cls.__doc__ or "")
            first, rest = cls.summary(), doc.partition("\n\n")[2]
            lines += ["", f"### {cls.name}", ""]
            also = sorted(aliases.get(cls.name, []))
            lines.append(_cell(first) + (f" Also: {', '.join(f'`{a}`' for a in also)}." if also else ""))
            if rest.strip():
                lines += ["", rest.strip()]
            specs = cls.specs()
            if specs:
                lines += ["", "| parameter | type | default | description |", "|---|---|---|---|"]
                for spec in specs:
                    hidden = "" if spec.query or spec.positional or spec.required else " *(hidden)*"
                    indef = ", INDEF allowed" if spec.indef else ""
                    default = _default_text(spec).strip("[]")
                    lines.append(f"| `{spec.name}` | {_cell(_type_text(spec))} | {_cell(default)} | "
                                 f"{_cell(spec.help)}{indef}{hidden} |")
    return "\n".join(lines) + "\n"
