#!/usr/bin/env python3
"""Checks the GitHub workflows under .github/workflows against the crc that was built.

Each workflow must parse as YAML (PyYAML, Debian's python3-yaml; duplicate keys are errors) and have the
shape GitHub expects: `on` and `jobs`, each job with `runs-on` and a list of steps, each step with
exactly one of `run` and `uses`. Every crc command line in a `run:` script (`crc ...`,
`./build/bin/crc ...`) must name a command that `crc --help` lists and only options that
`crc help <command>` lists (its own, -h/--help and the global ones), with a value where the option
takes one. `${{ ... }}` expressions and shell variables count as values.

Before the real files, the checker is run on built-in bad scripts and must reject each of them, so the
test cannot pass whatever the workflows say.

Usage: check.py CRC_BINARY SOURCE_DIR [WORKFLOW...]   (default: SOURCE_DIR/.github/workflows/*.yml)
Exit status: 0 all good, 1 a problem was found (each printed on stderr), 2 bad usage.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("check.py: python3's yaml module is missing: install the Debian package 'python3-yaml' "
             "(scripts/setup installs it)")

# Words a shell command may start with before the program it runs.
PREFIXES = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "command", "{"}
# Shell operators that end one simple command; "\n" too.
OPERATORS = re.compile(r"^[;&|()<>\n]+$")
# A ${{ ... }} expression: one opaque word for the shell tokenizer.
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
OPTION_LINE = re.compile(r"^  (-[A-Za-z0-9]|  )(, |  |)(--[A-Za-z0-9][A-Za-z0-9-]*)?( [^ ]+)?( |$)")


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                    key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class Crc:
    """What the built crc accepts: its commands, and each one's options, read from its help."""

    def __init__(self, binary):
        self.binary = binary
        top = self._help(["--help"])
        self.commands = self._section_words(top, "Commands:")
        if not self.commands:
            raise SystemExit(f"check.py: no commands in '{binary} --help'")
        self.top_options = self._options(top)
        self.options = {}

    def _help(self, args):
        r = subprocess.run([self.binary] + args, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(f"check.py: '{self.binary} {' '.join(args)}' exited {r.returncode}:\n{r.stderr}")
        return r.stdout

    @staticmethod
    def _section_words(text, title):
        words, inside = [], False
        for line in text.splitlines():
            if line == title:
                inside = True
            elif inside and not line.strip():
                break
            elif inside:
                words.append(line.split()[0])
        return words

    @staticmethod
    def _options(text):
        """{spelling: takes a value} for every option line of a help text ("-t, --target TRIPLE")."""
        opts = {}
        for line in text.splitlines():
            m = OPTION_LINE.match(line)
            if not m or (m.group(1).strip() == "" and not m.group(3)):
                continue
            value = m.group(4) is not None
            if m.group(1).strip():
                opts[m.group(1)] = value
            if m.group(3):
                opts[m.group(3)] = value
        if "(--json is not supported by" in text:
            opts.pop("--json", None)
        return opts

    def command_options(self, name):
        if name not in self.options:
            self.options[name] = self._options(self._help(["help", name]))
        return self.options[name]


def is_crc(word):
    return word == "crc" or word.endswith("/crc")


def simple_commands(script):
    """The simple commands of a shell script, each a list of words (expressions as one word)."""
    script = script.replace("\\\n", " ")
    script = EXPRESSION.sub("EXPR", script)
    lex = shlex.shlex(script, posix=True, punctuation_chars=";&|()<>\n")
    lex.whitespace = " \t\r"
    lex.whitespace_split = True
    cmds, cur = [], []
    try:
        for tok in lex:
            if OPERATORS.match(tok):
                if cur:
                    cmds.append(cur)
                cur = []
            else:
                cur.append(tok)
    except ValueError as e:
        raise ValueError(f"shell syntax: {e}") from None
    if cur:
        cmds.append(cur)
    return cmds


def crc_invocations(script):
    """The argument lists (after the program) of every crc command in a script."""
    for words in simple_commands(script):
        i = 0
        while i < len(words) and (words[i] in PREFIXES or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i])):
            i += 1
        # "$(crc ...)" tokenizes as "$" "(" "crc": the "$" is left alone before the "(".
        if i < len(words) and words[i] == "$":
            i += 1
        if i < len(words) and is_crc(words[i]):
            yield words[i + 1:]


def check_args(crc, args):
    """Problems with one crc command line, as crc's parser would see it (an empty list when it is good)."""
    problems = []
    table = crc.top_options
    command = None
    i, only_args = 0, False
    while i < len(args):
        a = args[i]
        i += 1
        if only_args or not a.startswith("-") or a == "-":
            if command is None:
                command = a
                if command not in crc.commands:
                    return [f"unknown command '{command}' (crc has: {', '.join(crc.commands)})"]
                table = crc.command_options(command)
            continue
        if a == "--":
            only_args = True
            continue
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            if name not in table:
                # Whether it would take a value is unknown, so what follows cannot be read: stop here.
                return problems + [f"unknown option '{name}'" + (f" for '{command}'" if command else "")]
            if table[name] and "=" not in a:
                if i >= len(args):
                    problems.append(f"option '{name}' needs a value")
                i += 1
            continue
        for k, c in enumerate(a[1:]):
            name = "-" + c
            if name not in table:
                return problems + [f"unknown option '{name}'" + (f" for '{command}'" if command else "")]
            if table[name]:
                if k == len(a) - 2:
                    if i >= len(args):
                        problems.append(f"option '{name}' needs a value")
                    i += 1
                break
    if command is None:
        problems.append("no command")
    return problems


def check_shape(doc):
    """Problems with the structure GitHub requires of a workflow."""
    if not isinstance(doc, dict):
        return ["not a mapping"]
    problems = []
    # YAML 1.1 reads the key "on" as true.
    if "on" not in doc and True not in doc:
        problems.append("no 'on' (trigger)")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return problems + ["no 'jobs'"]
    for name, job in jobs.items():
        if not isinstance(job, dict) or "runs-on" not in job:
            problems.append(f"job {name}: no 'runs-on'")
            continue
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                problems.append(f"job {name}: needs unknown job '{need}'")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append(f"job {name}: no steps")
            continue
        for n, step in enumerate(steps, 1):
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                problems.append(f"job {name}, step {n}: needs exactly one of 'run' and 'uses'")
    return problems


def run_scripts(doc):
    """(job, step name, script) for every run: step."""
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    for job_name, job in (jobs or {}).items():
        for n, step in enumerate(job.get("steps") or [] if isinstance(job, dict) else [], 1):
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                yield job_name, step.get("name", f"step {n}"), step["run"]


def check_text(crc, label, text):
    """Every problem in one workflow's text, each as one line naming the workflow."""
    try:
        doc = yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as e:
        return [f"{label}: not valid YAML: {e}".replace("\n", " ")], 0
    problems = [f"{label}: {p}" for p in check_shape(doc)]
    ncrc = 0
    for job, step, script in run_scripts(doc):
        try:
            invocations = list(crc_invocations(script))
        except ValueError as e:
            problems.append(f"{label}: job {job}, '{step}': {e}")
            continue
        for args in invocations:
            ncrc += 1
            for p in check_args(crc, args):
                problems.append(f"{label}: job {job}, '{step}': crc {' '.join(args)}: {p}")
    return problems, ncrc


# Workflows the checker must reject, with a word its report must hold.
BAD = [
    ("unknown command", "./build/bin/crc verfiy --deep d", "unknown command 'verfiy'"),
    ("unknown option", "./build/bin/crc build --profile edge --targte x", "unknown option '--targte'"),
    ("another command's option", "crc verify --key k d", "unknown option '--key' for 'verify'"),
    ("unknown short option", 'X=$(./build/bin/crc plan --profile edge -z)', "unknown option '-z'"),
    ("unknown global option", "crc --stroage s verify d", "unknown option '--stroage'"),
    ("missing value", "if crc deploy d --to; then :; fi", "option '--to' needs a value"),
    ("json where not supported", "crc help --json", "unknown option '--json' for 'help'"),
    ("continued line", "crc build \\\n  --profile ${{ matrix.p }} \\\n  --nope", "unknown option '--nope'"),
]


def self_test(crc):
    failures = []
    for what, script, expect in BAD:
        text = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: " + repr_block(script)
        problems, _ = check_text(crc, "bad", text)
        if not any(expect in p for p in problems):
            failures.append(f"self-test: {what}: not rejected as {expect!r} (got {problems})")
    good = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: " + repr_block(
        'crc -C . --storage "$S" verify --deep -j 2 --pubkey=k "${{ env.D }}"\necho crc nope --x')
    problems, n = check_text(crc, "good", good)
    if problems or n != 1:
        failures.append(f"self-test: a good script was rejected or missed: {problems} ({n} crc commands)")
    for text, expect in [("on: push\non: pull_request\njobs: {}\n", "duplicate key"),
                         ("jobs:\n  j:\n    steps:\n      - run: x\n", "no 'runs-on'")]:
        problems, _ = check_text(crc, "bad", text)
        if not any(expect in p for p in problems):
            failures.append(f"self-test: not rejected as {expect!r} (got {problems})")
    return failures


def repr_block(script):
    """script as a YAML literal block under a step's run: key."""
    return "|\n" + "".join("          " + line + "\n" for line in script.split("\n"))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    crc = Crc(argv[1])
    files = argv[3:] or sorted(glob.glob(os.path.join(argv[2], ".github", "workflows", "*.yml")) +
                               glob.glob(os.path.join(argv[2], ".github", "workflows", "*.yaml")))
    if not files:
        print(f"check.py: no workflows under {argv[2]}/.github/workflows", file=sys.stderr)
        return 1
    problems = self_test(crc)
    for path in files:
        with open(path, encoding="utf-8") as f:
            found, n = check_text(crc, os.path.relpath(path, argv[2]), f.read())
        problems += found
        print(f"{os.path.relpath(path, argv[2])}: {n} crc command{'' if n == 1 else 's'} checked")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
