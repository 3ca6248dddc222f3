"""pySHACL side of the shacl crate's agreement test and benchmark.

Usage: python3 pyshacl_driver.py JOB.json

JOB.json: {"shapes": "shapes.nt", "vocabulary": "vocab.nt" | null,
           "records": [{"name": "...", "path": "record.nt" | "batch.ttl"}, ...],
           "results": true | false}

All inputs are N-Triples written by the Rust side, so both engines see exactly
the same triples (no differences between RDF/XML, JSON-LD or Turtle parsers).
Literals are not normalized (rdflib.NORMALIZE_LITERALS = False).

Each record is validated as its own graph, with pySHACL's defaults for the
options that matter: inference "none", advanced False, allow_warnings True.
With a vocabulary, the data graph is record + vocabulary and focus nodes are
selected from the record's triples only (rdfs:subClassOf from the union), which
is what `Shapes::validate_record` does: pySHACL's own target code
(`Shape.focus_nodes`) runs on a view whose rdf:type / subject-object lookups
see the record and whose rdfs:subClassOf lookups see the union.

Prints one JSON object per record and line:
  {"record": name, "conforms": bool, "count": n, "load_seconds": s,
   "validate_seconds": s, "validate_cpu_seconds": s (Validator
   construction and run: wall clock and process CPU time),
   "results": [[focus, path, component, severity], ...]}   (results if asked)
or {"record": name, "error": "..."}; the last line is
{"total_seconds": s, "max_rss_kib": n}.

Terms are written canonically (must match `canonical_term` in pyshacl.rs):
IRIs as <iri>; literals as "lex" with N-Triples escapes, then @lang (lower
case) or ^^<datatype> (none for xsd:string); blank nodes by a description of
their neighbourhood in the record (`describe_blank`). Paths use SPARQL syntax
as `shacl::Path`'s Display does.
"""

import json
import resource
import sys
import time

import rdflib

rdflib.NORMALIZE_LITERALS = False

from rdflib import BNode, Graph, Literal, URIRef  # noqa: E402
from rdflib.collection import Collection  # noqa: E402
from rdflib.namespace import RDF, RDFS, XSD  # noqa: E402

from pyshacl import shape as pyshacl_shape  # noqa: E402
from pyshacl.graph_abstraction import DataGraph  # noqa: E402
from pyshacl.monkey import rdflib_bool_patch  # noqa: E402
from pyshacl.shapes_graph import ShapesGraph  # noqa: E402
from pyshacl.validator import Validator  # noqa: E402

SH = "http://www.w3.org/ns/shacl#"


def escape(s):
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        else:
            out.append(c)
    return "".join(out)


def term(t, record):
    if isinstance(t, URIRef):
        return "<" + str(t) + ">"
    if isinstance(t, Literal):
        s = '"' + escape(str(t)) + '"'
        if t.language:
            return s + "@" + t.language.lower()
        if t.datatype is not None and t.datatype != XSD.string:
            return s + "^^<" + str(t.datatype) + ">"
        return s
    return describe_blank(t, record)


def plain(t):
    """A non-blank term, or "_" for a blank node (used inside descriptions)."""
    if isinstance(t, BNode):
        return "_"
    return term(t, None)


def describe_blank(b, record):
    """`_:[` sorted incoming `^<p> s` and outgoing `<p> o` edges `]`, where
    blank neighbours are written `_`. Two blank nodes with the same description
    are counted together (the comparison is a multiset)."""
    if record is None:
        return "_"
    edges = ["^%s %s" % (plain(p), plain(s)) for s, p in record.subject_predicates(b)]
    edges += ["%s %s" % (plain(p), plain(o)) for p, o in record.predicate_objects(b)]
    return "_:[" + " ; ".join(sorted(edges)) + "]"


def path_str(sg, node):
    """A SHACL path node in SPARQL syntax, exactly as shacl::Path's Display."""
    if isinstance(node, URIRef):
        return "<" + str(node) + ">"
    first = sg.value(node, RDF.first)
    if first is not None:
        items = list(Collection(sg, node))
        return "(" + "/".join("(" + path_str(sg, i) + ")" for i in items) + ")"
    for pred, fmt in (
        ("inversePath", "^({})"),
        ("zeroOrMorePath", "({})*"),
        ("oneOrMorePath", "({})+"),
        ("zeroOrOnePath", "({})?"),
    ):
        inner = sg.value(node, URIRef(SH + pred))
        if inner is not None:
            return fmt.format(path_str(sg, inner))
    alts = sg.value(node, URIRef(SH + "alternativePath"))
    if alts is not None:
        items = list(Collection(sg, alts))
        return "(" + "|".join("(" + path_str(sg, i) + ")" for i in items) + ")"
    raise ValueError("unknown path node %r" % (node,))


class TargetView:
    """The graph pySHACL's target code sees: record triples for instances and
    subjects/objects-of, the whole data graph for rdfs:subClassOf."""

    def __init__(self, record, union):
        self.record = record
        self.union = union

    def subjects(self, predicate=None, obj=None, unique=False):
        return self.record.subjects(predicate, obj)

    def subject_objects(self, predicate=None, unique=False):
        return self.record.subject_objects(predicate)

    def transitive_subjects(self, predicate, obj, remember=None):
        return self.union.transitive_subjects(predicate, obj)


CURRENT_TARGETS = [None]
_original_focus_nodes = pyshacl_shape.Shape.focus_nodes


def focus_nodes(self, data_graph, debug=False):
    view = CURRENT_TARGETS[0]
    return _original_focus_nodes(self, view if view is not None else data_graph, debug)


pyshacl_shape.Shape.focus_nodes = focus_nodes


def load(path):
    g = Graph()
    g.parse(path, format="turtle" if path.endswith(".ttl") else "nt")
    return g


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    rdflib_bool_patch()  # as pySHACL does while loading a shapes graph
    shapes = ShapesGraph(load(job["shapes"]))
    shapes.shapes  # harvest (and cache) the shapes once
    vocabulary = load(job["vocabulary"]) if job.get("vocabulary") else None
    want_results = job.get("results", True)
    options = {
        "inference": "none",
        "advanced": False,
        "allow_warnings": True,
        "inplace": True,
        "abort_on_first": False,
    }
    started = time.perf_counter()
    for item in job["records"]:
        t0 = time.perf_counter()
        try:
            record = load(item["path"])
            if vocabulary is None:
                data = record
                added = []
                CURRENT_TARGETS[0] = None
            else:
                # record + vocabulary in one graph; remove the record's own
                # triples afterwards (those not already in the vocabulary).
                data = vocabulary
                added = [t for t in record if t not in vocabulary]
                for t in added:
                    data.add(t)
                CURRENT_TARGETS[0] = TargetView(record, data)
            t2 = time.perf_counter()
            c2 = time.process_time()
            try:
                validator = Validator(
                    DataGraph.from_rdflib(data), shacl_graph=shapes.graph, options=dict(options)
                )
                validator.shacl_graph = shapes  # reuse the harvested shapes
                conforms, report, _text = validator.run()
                t3 = time.perf_counter()
                c3 = time.process_time()
            finally:
                for t in added:
                    data.remove(t)
                CURRENT_TARGETS[0] = None
            # Top-level results only: pySHACL also puts the nested results of
            # sh:node & co. into the report graph, as sh:detail.
            results = [
                r
                for v in report.subjects(RDF.type, URIRef(SH + "ValidationReport"))
                for r in report.objects(v, URIRef(SH + "result"))
            ]
            out = {
                "record": item["name"],
                "conforms": bool(conforms),
                "count": len(results),
                "load_seconds": t2 - t0,
                "validate_seconds": t3 - t2,
                "validate_cpu_seconds": c3 - c2,
            }
            if want_results:
                rows = []
                for r in results:
                    focus = report.value(r, URIRef(SH + "focusNode"))
                    path = report.value(r, URIRef(SH + "resultPath"))
                    rows.append(
                        [
                            term(focus, record),
                            None if path is None else path_str(report, path),
                            str(report.value(r, URIRef(SH + "sourceConstraintComponent"))),
                            str(report.value(r, URIRef(SH + "resultSeverity"))),
                            None if report.value(r, URIRef(SH + "value")) is None else term(report.value(r, URIRef(SH + "value")), record),
                        ]
                    )
                out["results"] = rows
        except Exception as e:  # reported per record; the Rust side fails the test
            out = {"record": item["name"], "error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    print(
        json.dumps(
            {
                "total_seconds": time.perf_counter() - started,
                "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
