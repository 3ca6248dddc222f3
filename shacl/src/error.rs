//! Error types.

/// An error in the shapes graph: the shapes cannot be compiled.
///
/// The error names the offending shape (its IRI, or a Turtle-like description
/// of a blank node) and the reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid shape {shape}: {reason}")]
pub struct ShapeError {
    shape: String,
    reason: String,
}

impl ShapeError {
    pub(crate) fn new(shape: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            shape: shape.into(),
            reason: reason.into(),
        }
    }

    /// The offending shape: an IRI in angle brackets or a Turtle-like description of a blank node.
    pub fn shape(&self) -> &str {
        &self.shape
    }

    /// Why the shape was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// An error during validation (not a validation *result*: the data could not be validated).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The shapes recurse deeper than the engine allows on this data.
    #[error("shape recursion is deeper than {0} levels (recursive shapes on deeply nested data?)")]
    RecursionLimit(usize),
    /// A SPARQL query failed to evaluate.
    #[error("SPARQL evaluation failed for shape {shape}: {message}")]
    Sparql {
        /// The shape whose query failed.
        shape: String,
        /// The evaluator's error message.
        message: String,
    },
    /// A SPARQL-based constraint reported a failure (`?failure` bound to `true`).
    #[error("SPARQL constraint of shape {0} reported a failure")]
    Failure(String),
}
