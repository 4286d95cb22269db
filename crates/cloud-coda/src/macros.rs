//! The macros the generated models expand: [`string_enum!`] and [`tagged_union!`].
//!
//! They keep `models.rs` declarative (the generator writes data, these write the impls) and keep
//! the serde logic in one hand-written, tested place.

/// A string enum of the API that keeps values it does not know.
///
/// Each variant maps to one wire string; any other string deserializes to `Unknown(String)` (and
/// serializes back unchanged), so a value Coda adds later never breaks a whole response. The enum
/// gets `as_str`, `KNOWN`, `Display`, `FromStr` (infallible), `From<&str>`, serde and
/// [`QueryValue`](crate::query::QueryValue).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of the crate does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every value the API document lists, in its order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            /// Parses a wire value; unknown values become `Unknown`.
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }

        impl $crate::query::QueryValue for $name {
            fn to_query(&self) -> String {
                self.as_str().to_owned()
            }
        }
    };
}

/// A `oneOf` of objects told apart by a tag property (a `discriminator`).
///
/// Deserialization reads the tag and decodes the member it selects; an unknown tag gives
/// `Unknown(serde_json::Value)` with the object as received. Serialization writes the member,
/// whose own tag field carries the tag. Each member type converts into the union with `From`.
macro_rules! tagged_union {
    ($(#[$meta:meta])* $name:ident, tag = $tag:literal {
        $($(#[$vmeta:meta])* $variant:ident($ty:ty) = [$($value:literal),+ $(,)?]),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty),)+
            /// An object whose tag this version of the crate does not know, kept as received.
            Unknown(serde_json::Value),
        }

        impl $name {
            /// The name of the tag property.
            pub const TAG: &'static str = $tag;
        }

        $(
            impl From<$ty> for $name {
                fn from(value: $ty) -> Self {
                    Self::$variant(value)
                }
            }
        )+

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(value) => serde::Serialize::serialize(value, serializer),)+
                    Self::Unknown(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let object = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = object.get($tag).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
                match tag.as_str() {
                    $($($value)|+ => serde_json::from_value(object).map(Self::$variant).map_err(|e| {
                        <D::Error as serde::de::Error>::custom(format!(
                            concat!(stringify!($name), " with ", $tag, " {:?}: {}"), tag, e
                        ))
                    }),)+
                    _ => Ok(Self::Unknown(object)),
                }
            }
        }
    };
}

pub(crate) use {string_enum, tagged_union};

#[cfg(test)]
mod tests {
    use fixtures::{Circle, Fruit, Shape};

    /// Types the macros expand for, public as generated types are (the test module is private).
    mod fixtures {
        #![allow(unreachable_pub)]

        use serde::{Deserialize, Serialize};

        string_enum! {
            /// A test enum.
            Fruit {
                /// `apple`
                Apple = "apple",
                /// `blood orange`
                BloodOrange = "bloodOrange",
            }
        }

        /// A member.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct Circle {
            #[serde(rename = "type")]
            pub kind: String,
            pub radius: f64,
        }

        /// Another member.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct Square {
            #[serde(rename = "type")]
            pub kind: String,
            pub side: f64,
        }

        tagged_union! {
            /// A test union.
            Shape, tag = "type" {
                /// A circle.
                Circle(Circle) = ["circle", "disc"],
                /// A square.
                Square(Square) = ["square"],
            }
        }
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        assert_eq!(serde_json::from_str::<Fruit>("\"bloodOrange\"").unwrap(), Fruit::BloodOrange);
        let unknown: Fruit = serde_json::from_str("\"kiwi\"").unwrap();
        assert_eq!(unknown, Fruit::Unknown("kiwi".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"kiwi\"");
        assert_eq!(Fruit::Apple.to_string(), "apple");
        assert_eq!("apple".parse::<Fruit>().unwrap(), Fruit::Apple);
        assert_eq!(Fruit::KNOWN.len(), 2);
        assert_eq!(crate::query::QueryValue::to_query(&Fruit::BloodOrange), "bloodOrange");
    }

    #[test]
    fn unions_dispatch_on_the_tag() {
        let disc: Shape = serde_json::from_str(r#"{"type":"disc","radius":2}"#).unwrap();
        assert_eq!(disc, Shape::Circle(Circle { kind: "disc".into(), radius: 2.0 }));
        let square: Shape = serde_json::from_str(r#"{"type":"square","side":1}"#).unwrap();
        assert!(matches!(square, Shape::Square(_)));
        assert_eq!(serde_json::to_value(&square).unwrap(), serde_json::json!({"type": "square", "side": 1.0}));
        let other: Shape = serde_json::from_str(r#"{"type":"hexagon","n":6}"#).unwrap();
        assert!(matches!(other, Shape::Unknown(v) if v["n"] == 6));
        let err = serde_json::from_str::<Shape>(r#"{"type":"circle"}"#).unwrap_err();
        assert!(err.to_string().contains("Shape with type \"circle\""), "{err}");
        assert_eq!(Shape::TAG, "type");
    }
}
