//! The 18 functions: names, arities, parameter and result kinds.

/// One `States.*` function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

/// What a parameter accepts, or what a function returns, as far as it is known statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Any,
    String,
    /// Any number (non-integers are rounded where the function says so).
    Number,
    /// A whole number.
    Integer,
    Boolean,
    Array,
    Object,
}

impl Kind {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Integer => "an integer",
            Kind::Boolean => "a boolean",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }

    /// True when a value of kind `given` may be passed where `self` is expected.
    pub(super) fn accepts(self, given: Kind) -> bool {
        match (self, given) {
            (Kind::Any, _) | (_, Kind::Any) => true,
            (Kind::Number, Kind::Integer) => true,
            (expected, given) => expected == given,
        }
    }
}

const ALL: [Func; 18] = [
    Func::Format,
    Func::StringToJson,
    Func::JsonToString,
    Func::Array,
    Func::ArrayPartition,
    Func::ArrayContains,
    Func::ArrayRange,
    Func::ArrayGetItem,
    Func::ArrayLength,
    Func::ArrayUnique,
    Func::Base64Encode,
    Func::Base64Decode,
    Func::Hash,
    Func::JsonMerge,
    Func::MathRandom,
    Func::MathAdd,
    Func::StringSplit,
    Func::Uuid,
];

impl Func {
    /// Looks up the part after `States.`.
    pub(super) fn from_name(name: &str) -> Option<Func> {
        ALL.into_iter().find(|f| f.short_name() == name)
    }

    fn short_name(self) -> &'static str {
        self.name().trim_start_matches("States.")
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Func::Format => "States.Format",
            Func::StringToJson => "States.StringToJson",
            Func::JsonToString => "States.JsonToString",
            Func::Array => "States.Array",
            Func::ArrayPartition => "States.ArrayPartition",
            Func::ArrayContains => "States.ArrayContains",
            Func::ArrayRange => "States.ArrayRange",
            Func::ArrayGetItem => "States.ArrayGetItem",
            Func::ArrayLength => "States.ArrayLength",
            Func::ArrayUnique => "States.ArrayUnique",
            Func::Base64Encode => "States.Base64Encode",
            Func::Base64Decode => "States.Base64Decode",
            Func::Hash => "States.Hash",
            Func::JsonMerge => "States.JsonMerge",
            Func::MathRandom => "States.MathRandom",
            Func::MathAdd => "States.MathAdd",
            Func::StringSplit => "States.StringSplit",
            Func::Uuid => "States.UUID",
        }
    }

    /// The smallest and largest number of arguments (`None`: no upper bound).
    pub(super) fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Format => (1, None),
            Func::Array => (0, None),
            Func::Uuid => (0, Some(0)),
            Func::StringToJson
            | Func::JsonToString
            | Func::ArrayLength
            | Func::ArrayUnique
            | Func::Base64Encode
            | Func::Base64Decode => (1, Some(1)),
            Func::ArrayPartition
            | Func::ArrayContains
            | Func::ArrayGetItem
            | Func::Hash
            | Func::MathAdd
            | Func::StringSplit => (2, Some(2)),
            Func::ArrayRange | Func::JsonMerge => (3, Some(3)),
            Func::MathRandom => (2, Some(3)),
        }
    }

    /// The kind the argument at `index` must have.
    pub(super) fn param(self, index: usize) -> Kind {
        use Kind::*;
        match (self, index) {
            (Func::Format, 0) => String,
            (Func::StringToJson | Func::Base64Encode | Func::Base64Decode, _) => String,
            (Func::StringSplit, _) => String,
            (Func::ArrayPartition | Func::ArrayContains | Func::ArrayGetItem, 0) => Array,
            (Func::ArrayLength | Func::ArrayUnique, _) => Array,
            (Func::ArrayPartition | Func::ArrayGetItem | Func::ArrayRange, _) => Integer,
            (Func::Hash, 1) => String,
            (Func::JsonMerge, 0 | 1) => Object,
            (Func::JsonMerge, _) => Boolean,
            (Func::MathAdd | Func::MathRandom, _) => Number,
            _ => Any,
        }
    }

    /// What the function returns.
    pub(super) fn returns(self) -> Kind {
        match self {
            Func::Format
            | Func::JsonToString
            | Func::Base64Encode
            | Func::Base64Decode
            | Func::Hash
            | Func::Uuid => Kind::String,
            Func::StringToJson | Func::ArrayGetItem => Kind::Any,
            Func::Array
            | Func::ArrayPartition
            | Func::ArrayRange
            | Func::ArrayUnique
            | Func::StringSplit => Kind::Array,
            Func::ArrayContains => Kind::Boolean,
            Func::ArrayLength | Func::MathRandom | Func::MathAdd => Kind::Integer,
            Func::JsonMerge => Kind::Object,
        }
    }
}
