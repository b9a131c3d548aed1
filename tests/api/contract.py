"""Checks live responses against api/openapi.json.

Every response a test receives goes through Contract.check: the path and
method must be in the file, the status must be documented for that operation,
and a JSON body must match the documented schema (a JSON Schema subset: type,
enum, required, properties, additionalProperties, items, $ref, minimum,
maximum, pattern). Static pages (/app/, /common/, ...) are outside the
contract. A mismatch fails the test that made the request.
"""
import json
import re


class ContractError(AssertionError):
    pass


class Contract:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.routes = []
        for tpl, ops in self.doc["paths"].items():
            rx = "^" + re.sub(r"\{[^}/]+\}", "[^/]+", tpl) + "$"
            self.routes.append((re.compile(rx), tpl, ops))
        self.checked = 0

    def operation(self, method, path):
        for rx, tpl, ops in self.routes:
            if rx.match(path):
                return tpl, ops.get(method.lower())
        return None, None

    def check(self, response):
        req = response.request
        path = req.url.path
        if not (path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics")):
            return
        tpl, op = self.operation(req.method, path)
        if tpl is None:
            if response.status_code == 404:
                return  # unknown paths are expected to 404, and they do
            raise ContractError(f"{req.method} {path}: path not in openapi.json")
        if op is None:
            if response.status_code == 405:
                return
            raise ContractError(f"{req.method} {tpl}: method not in openapi.json")
        responses = op["responses"]
        spec = responses.get(str(response.status_code)) or responses.get("default")
        if spec is None:
            raise ContractError(f"{req.method} {tpl}: status {response.status_code} not documented "
                                f"(body {response.text[:200]})")
        self._check_body(f"{req.method} {tpl} {response.status_code}", spec, response)
        self.checked += 1

    def _check_body(self, where, spec, response):
        if "$ref" in spec:
            spec = self.resolve(spec["$ref"])
        content = spec.get("content")
        if not content:
            if response.content:
                raise ContractError(f"{where}: body not documented")
            return
        ctype = response.headers.get("content-type", "").split(";")[0].strip()
        if ctype not in content:
            raise ContractError(f"{where}: content-type {ctype} not in {list(content)}")
        schema = content[ctype].get("schema")
        if schema and ctype.endswith("json"):
            self.validate(response.json(), schema, where)

    def resolve(self, ref):
        node = self.doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def validate(self, value, schema, where):
        if "$ref" in schema:
            return self.validate(value, self.resolve(schema["$ref"]), where)
        if "oneOf" in schema:
            errors = []
            for s in schema["oneOf"]:
                try:
                    self.validate(value, s, where)
                    return
                except ContractError as e:
                    errors.append(str(e))
            raise ContractError(f"{where}: matches no oneOf: {errors}")
        types = schema.get("type")
        if types is not None:
            types = types if isinstance(types, list) else [types]
            if not any(self._is(value, t) for t in types):
                raise ContractError(f"{where}: {value!r} is not {types}")
        if "enum" in schema and value not in schema["enum"]:
            raise ContractError(f"{where}: {value!r} not in {schema['enum']}")
        if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
            raise ContractError(f"{where}: {value!r} does not match {schema['pattern']}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                raise ContractError(f"{where}: {value} < {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                raise ContractError(f"{where}: {value} > {schema['maximum']}")
        if isinstance(value, dict):
            self._validate_object(value, schema, where)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self.validate(item, schema["items"], f"{where}[{i}]")

    def _validate_object(self, value, schema, where):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                raise ContractError(f"{where}: missing required {key!r}")
        for key, v in value.items():
            if key in props:
                self.validate(v, props[key], f"{where}.{key}")
            elif schema.get("additionalProperties", True) is False:
                raise ContractError(f"{where}: undocumented property {key!r}")

    @staticmethod
    def _is(value, t):
        return {
            "object": isinstance(value, dict),
            "array": isinstance(value, list),
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "null": value is None,
        }[t]
