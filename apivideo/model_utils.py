"""The model base class: typed fields, one-pass JSON decoding and encoding.

A model declares one field per line::

    class Video(Model):
        video_id: str = field("videoId", kw_only=False)
        created_at: Optional[datetime] = field("createdAt", default=None, decode=parse_datetime)

Instances keep their values in ``__slots__`` (no per-instance ``__dict__``), so a decoded page takes less
memory than the JSON dicts it came from. A field is *set* when it was passed to the constructor, assigned, or
received from the server; only set fields are sent, so a PATCH payload carries exactly what the caller gave.
Reading a field that is not set returns its default (``None``). Unknown response keys are kept in
``additional_properties`` and sent back, so a field the server adds later never breaks this client.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Iterator, List, Optional, Tuple

from apivideo.decoders import Decoder, as_decoder, dict_of, list_of, parse_date, parse_datetime
from apivideo.exceptions import ApiAttributeError, ApiKeyError, ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda obj: obj


# The decoders are re-exported: generated models import everything they use from this module.
__all__ = ["Model", "field", "to_wire_value", "parse_datetime", "parse_date", "list_of", "dict_of"]

datetime = _dt.datetime
date = _dt.date
file_type = Any  # kept for code written against the official client
none_type = type(None)
_MISSING: Any = object()
_new = object.__new__

# Keyword arguments of the official generated constructors that carry no data.
_IGNORED_KWARGS = frozenset(
    {"_check_type", "_spec_property_naming", "_path_to_item", "_configuration", "_visited_composed_classes"}
)


class Field:
    """How one model attribute maps to JSON, and the rules a request value must follow."""

    __slots__ = (
        "name", "wire", "default", "kw_only", "decode", "enum", "minimum", "maximum",
        "pattern", "secret", "slot",
    )  # fmt: skip

    def __init__(
        self,
        wire: str,
        default: Any,
        kw_only: bool,
        decode: Optional[Decoder],
        enum: Optional[Tuple[str, ...]],
        minimum: Optional[float],
        maximum: Optional[float],
        pattern: Optional[str],
        secret: bool,
    ) -> None:
        self.name = ""
        self.wire = wire
        self.default = None if default is _MISSING else default
        self.kw_only = kw_only
        self.decode: Optional[Decoder] = None if decode is None else as_decoder(decode)
        self.enum = enum
        self.minimum = minimum
        self.maximum = maximum
        self.pattern = re.compile(pattern) if pattern else None
        self.secret = secret
        self.slot: Any = None  # the slot descriptor, set by the metaclass

    @property
    def required(self) -> bool:
        return not self.kw_only


def field(
    wire: str,
    *,
    default: Any = _MISSING,
    kw_only: bool = True,
    decode: Optional[Any] = None,
    enum: Optional[Tuple[str, ...]] = None,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    pattern: Optional[str] = None,
    secret: bool = False,
) -> Any:
    """Declare a model field: its JSON name, default, and optional decoder and request rules.

    ``decode`` is only needed for datetimes, nested models and lists/dicts of them. ``enum``, ``minimum``,
    ``maximum`` and ``pattern`` are checked on requests (never on responses). ``secret`` hides the value in
    ``repr``.
    """
    return Field(wire, default, kw_only, decode, enum, minimum, maximum, pattern, secret)


# --------------------------------------------------------------------------- the base class


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class ModelMeta(type):
    """Turns the ``field()`` declarations of a model class body into slots and lookup tables."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], ns: Dict[str, Any], **kw: Any) -> ModelMeta:
        fields: List[Field] = []
        for base in bases:
            fields.extend(getattr(base, "_fields", ()))
        own = [(attr, value) for attr, value in ns.items() if isinstance(value, Field)]
        for attr, f in own:
            del ns[attr]
            f.name = attr
            fields.append(f)
        if "__slots__" not in ns:
            ns["__slots__"] = tuple(attr for attr, _ in own)
        cls = super().__new__(mcs, name, bases, ns, **kw)
        for f in fields:
            f.slot = getattr(cls, f.name, None) if f.name in ns["__slots__"] else f.slot
        cls._fields = tuple(fields)  # type: ignore[attr-defined]
        cls._by_name = {f.name: f for f in fields}  # type: ignore[attr-defined]
        cls._plain_setters = {f.wire: f.slot.__set__ for f in fields if f.decode is None}  # type: ignore[attr-defined]
        cls._decoded_setters = {  # type: ignore[attr-defined]
            f.wire: (f.slot.__set__, f.decode) for f in fields if f.decode is not None
        }
        cls._positional = tuple(f for f in fields if not f.kw_only)  # type: ignore[attr-defined]
        cls.attribute_map = {f.name: f.wire for f in fields}  # type: ignore[attr-defined]  # as the official models
        return cls


class Model(metaclass=ModelMeta):
    """Base class of every request and response object."""

    __slots__ = ("_extra",)
    _fields: ClassVar[Tuple[Field, ...]] = ()
    _by_name: ClassVar[Dict[str, Field]] = {}
    _plain_setters: ClassVar[Dict[str, Any]] = {}
    _decoded_setters: ClassVar[Dict[str, Tuple[Any, Decoder]]] = {}
    _positional: ClassVar[Tuple[Field, ...]] = ()
    attribute_map: ClassVar[Dict[str, str]] = {}  # python name -> JSON name

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        positional = cls._positional
        if len(args) > len(positional):
            raise ApiTypeError(
                f"{cls.__name__}() takes {len(positional)} positional argument(s) but {len(args)} were given"
            )
        from apivideo.validation import check_field

        for f, value in zip(positional, args):
            check_field(cls, f, value)
            f.slot.__set__(self, value)
        by_name = cls._by_name
        for key, value in kwargs.items():
            kf = by_name.get(key)
            if kf is None:
                if key in _IGNORED_KWARGS:
                    continue
                raise ApiTypeError(f"{cls.__name__}() got an unexpected keyword argument '{key}'")
            if key in (p.name for p in positional[: len(args)]):
                raise ApiTypeError(f"{cls.__name__}() got multiple values for argument '{key}'")
            check_field(cls, kf, value)
            kf.slot.__set__(self, value)
        missing = [f.name for f in positional if not _is_set(self, f)]
        if missing:
            raise ApiTypeError(f"{cls.__name__}() missing required argument(s): {', '.join(missing)}")

    # -- wire form ---------------------------------------------------------------------------------

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        """Build an instance from decoded JSON in one pass, without validating values."""
        decoder = cls.__dict__.get("_decoder") or _decoder_of(cls)  # compiled on first use: imports stay cheap
        return decoder(data)  # type: ignore[no-any-return]

    @classmethod
    def _from_wire_any(cls, data: Any) -> Self:
        """The general decoder: any JSON, unknown keys kept in ``additional_properties``."""
        if not isinstance(data, dict):
            raise ApiValueError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        obj = _new(cls)
        plain = cls._plain_setters.get
        decoded = cls._decoded_setters
        extra: Optional[Dict[str, Any]] = None
        for key, value in data.items():
            setter = plain(key)
            if setter is not None:  # most fields: stored as received
                setter(obj, value)
                continue
            entry = decoded.get(key)
            if entry is None:
                if extra is None:
                    extra = {}
                extra[key] = value
                continue
            setter, decode = entry
            if value is not None:
                try:
                    value = decode(value)
                except (TypeError, ValueError, AttributeError, OverflowError) as exc:  # ApiValueError included
                    raise ApiValueError(f"{cls.__name__}.{key}: {exc}") from None
            setter(obj, value)
        if extra is not None:
            obj._extra = extra
        return obj

    def to_wire(self) -> Dict[str, Any]:
        """The JSON form: set fields under their wire names, plus additional properties."""
        out: Dict[str, Any] = dict(self.additional_properties)
        for f in self._fields:
            value = _get(self, f)
            if value is not _MISSING:
                out[f.wire] = to_wire_value(value)
        return out

    def to_dict(self) -> Dict[str, Any]:
        """Set fields by python name, nested models as dicts, datetimes kept as objects."""
        return _to_dict_value(self, False)  # type: ignore[no-any-return]

    def to_str(self) -> str:
        """A readable dump of the set fields; credentials (``secret`` fields, nested ones too) show as ``<hidden>``."""
        import pprint

        return pprint.pformat(_to_dict_value(self, True))

    @property
    def additional_properties(self) -> Dict[str, Any]:
        """Keys the server sent that this model does not declare (sent back as they came)."""
        try:
            return self._extra
        except AttributeError:
            self._extra: Dict[str, Any] = {}
            return self._extra

    # -- attribute and item access -----------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup failed: an unset slot, or an unknown name.
        f = type(self)._by_name.get(name)
        if f is not None:
            return f.default
        raise ApiAttributeError(f"{type(self).__name__} has no attribute '{name}'")

    def __getitem__(self, name: str) -> Any:
        if name in type(self)._by_name:
            return getattr(self, name)
        try:
            return self.additional_properties[name]
        except KeyError:
            raise ApiKeyError(f"{type(self).__name__} has no key '{name}'") from None

    def __setitem__(self, name: str, value: Any) -> None:
        if name in type(self)._by_name:
            setattr(self, name, value)
        else:
            self.additional_properties[name] = value

    def get(self, name: str, default: Any = None) -> Any:
        f = type(self)._by_name.get(name)
        if f is not None:
            value = _get(self, f)
            return default if value is _MISSING else value
        return self.additional_properties.get(name, default)

    def __contains__(self, name: object) -> bool:
        f = type(self)._by_name.get(name) if isinstance(name, str) else None
        if f is not None:
            return _is_set(self, f)
        return name in self.additional_properties

    def __iter__(self) -> Iterator[str]:
        """Names of the set fields (python names), then additional property keys."""
        for f in self._fields:
            if _is_set(self, f):
                yield f.name
        yield from self.additional_properties

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        for f in self._fields:
            if _get(self, f) != _get(other, f):
                return False
        return self.additional_properties == other.additional_properties

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = []
        for f in self._fields:
            value = _get(self, f)
            if value is not _MISSING:
                parts.append(f"{f.name}={'<hidden>' if f.secret and value else repr(value)}")
        extra = getattr(self, "_extra", None)
        if extra:
            parts.append(f"additional_properties={extra!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __getstate__(self) -> Dict[str, Any]:
        state = {f.name: v for f in self._fields if (v := _get(self, f)) is not _MISSING}
        if getattr(self, "_extra", None):
            state["_extra"] = self._extra
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


def _decoder_of(cls: type[Model]) -> Callable[[Any], Any]:
    decoder = cls.__dict__.get("_decoder")
    if decoder is None:
        decoder = _compile_decoder(cls)
        type.__setattr__(cls, "_decoder", decoder)
    return decoder


def _compile_decoder(cls: type[Model]) -> Callable[[Any], Any]:
    """A decoder specialised for one model: a key test per declared field, and a lookup and a slot store per key
    received (``in`` and ``[]`` on a dict are cheaper than a ``dict.get`` call).

    Used when the answer holds only declared keys (the common case); anything else takes the general path.
    """

    def fast(decode: Any) -> Any:  # a nested model's own compiled decoder, skipping from_wire's dispatch
        model = getattr(decode, "__self__", None)
        if isinstance(model, type) and issubclass(model, Model) and getattr(decode, "__name__", "") == "from_wire":
            return _decoder_of(model)
        return decode

    lines = [
        "def decode(data):",
        "    if type(data) is not dict or not data.keys() <= known:",
        "        return general(data)",
        "    obj = new(cls)",
    ]
    env: Dict[str, Any] = {
        "known": frozenset(f.wire for f in cls._fields), "general": cls._from_wire_any, "new": _new, "cls": cls,
        "M": _MISSING, "ApiValueError": ApiValueError,
    }  # fmt: skip
    for i, f in enumerate(cls._fields):
        lines.append(f"    if {f.wire!r} in data:")
        if f.decode is None:
            lines.append(f"        obj.{f.name} = data[{f.wire!r}]")
            continue
        lines.append(f"        v = data[{f.wire!r}]")
        item = getattr(f.decode, "list_item", None)
        if item is None:
            env[f"d{i}"] = fast(f.decode)
            decode = [f"v = d{i}(v)"]
        else:  # a list of models or datetimes: the loop is inlined here
            env[f"d{i}"] = fast(as_decoder(item))
            decode = [
                "if type(v) is not list:",
                "    raise ApiValueError('expected a JSON array, got ' + type(v).__name__)",
                f"v = [None if x is None else d{i}(x) for x in v]",
            ]
        lines += ["        if v is not None:", "            try:"]
        lines += ["                " + line for line in decode]
        lines += [
            "            except (TypeError, ValueError, AttributeError, OverflowError) as exc:",
            f"                raise ApiValueError({cls.__name__ + '.' + f.wire + ': '!r} + str(exc)) from None",
        ]
        lines.append(f"        obj.{f.name} = v")
    lines.append("    return obj")
    exec(compile("\n".join(lines), f"<decoder of {cls.__name__}>", "exec"), env)
    return env["decode"]  # type: ignore[no-any-return]


def _get(obj: Model, f: Field) -> Any:
    try:
        return f.slot.__get__(obj, type(obj))
    except AttributeError:
        return _MISSING


def _is_set(obj: Model, f: Field) -> bool:
    return _get(obj, f) is not _MISSING


def to_wire_value(value: Any) -> Any:
    """Convert a python value (model, datetime, list, dict) into its JSON form."""
    if isinstance(value, Model):
        return value.to_wire()
    if isinstance(value, _dt.datetime):  # a naive datetime is taken as UTC, as decoding does
        return (value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_wire_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire_value(v) for k, v in value.items()}
    return value


def _to_dict_value(value: Any, hide_secrets: bool) -> Any:
    if isinstance(value, Model):
        out: Dict[str, Any] = {}
        for f in value._fields:
            item = _get(value, f)
            if item is not _MISSING:
                out[f.name] = "<hidden>" if hide_secrets and f.secret and item else _to_dict_value(item, hide_secrets)
        out.update(value.additional_properties)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_dict_value(v, hide_secrets) for v in value]
    if isinstance(value, dict):
        return {k: _to_dict_value(v, hide_secrets) for k, v in value.items()}
    return value
