//! Qualified state machine ARNs: a machine, one of its versions (`<machine arn>:<n>`) or
//! one of its aliases (`<machine arn>:<alias>`), as StartExecution, DescribeStateMachine
//! and ListExecutions take them.

use super::names::check_name;
use super::{Result, ServiceError};

/// What a state machine ARN names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Target {
    /// The machine: its latest revision.
    #[default]
    Latest,
    /// A published version.
    Version(u32),
    /// An alias, which picks a version per start.
    Alias(String),
}

/// AWS's rule for alias names (`CharacterRestrictedName`): 1–80 of `a-z A-Z 0-9 _ - .`,
/// at least one of them not a digit, so that an alias never looks like a version number.
pub fn check_alias_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    let len = name.chars().count();
    if len == 0
        || len > 80
        || !name.chars().all(allowed)
        || name.chars().all(|c| c.is_ascii_digit())
    {
        return Err(ServiceError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// The machine name and target of `arn:aws:states:<region>:<account>:stateMachine:<name>`
/// with an optional `:<version>` or `:<alias>`.
pub fn machine_target(arn: &str) -> Result<(String, Target)> {
    let parts: Vec<&str> = arn.split(':').collect();
    let invalid = || ServiceError::InvalidArn(arn.to_owned());
    let (name, qualifier) = match parts.as_slice() {
        ["arn", _, "states", _, _, "stateMachine", name] => (*name, None),
        ["arn", _, "states", _, _, "stateMachine", name, qualifier] => (*name, Some(*qualifier)),
        _ => return Err(invalid()),
    };
    check_name(name).map_err(|_| invalid())?;
    let target = match qualifier {
        None => Target::Latest,
        Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => {
            match q.parse::<u32>() {
                Ok(n) if n >= 1 => Target::Version(n),
                _ => return Err(invalid()),
            }
        }
        Some(q) => {
            check_alias_name(q).map_err(|_| invalid())?;
            Target::Alias(q.to_owned())
        }
    };
    Ok((name.to_owned(), target))
}

/// The version pinned by a version ARN (`InvalidArn` for any other ARN).
pub fn version_target(arn: &str) -> Result<(String, u32)> {
    match machine_target(arn)? {
        (name, Target::Version(n)) => Ok((name, n)),
        _ => Err(ServiceError::InvalidArn(arn.to_owned())),
    }
}

/// The alias named by an alias ARN (`InvalidArn` for any other ARN).
pub fn alias_target(arn: &str) -> Result<(String, String)> {
    match machine_target(arn)? {
        (name, Target::Alias(alias)) => Ok((name, alias)),
        _ => Err(ServiceError::InvalidArn(arn.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";

    #[test]
    fn targets_parse() {
        assert_eq!(
            machine_target(SM).unwrap(),
            ("orders".into(), Target::Latest)
        );
        assert_eq!(
            machine_target(&format!("{SM}:12")).unwrap(),
            ("orders".into(), Target::Version(12))
        );
        assert_eq!(
            machine_target(&format!("{SM}:PROD-1.x")).unwrap(),
            ("orders".into(), Target::Alias("PROD-1.x".into()))
        );
        for bad in [
            format!("{SM}:0"),
            format!("{SM}:"),
            format!("{SM}:99999999999"),
            format!("{SM}:a b"),
            format!("{SM}:1:2"),
            "arn:aws:states:r:a:execution:orders:x".to_owned(),
        ] {
            assert!(machine_target(&bad).is_err(), "{bad}");
        }
        assert!(version_target(&format!("{SM}:prod")).is_err());
        assert!(alias_target(&format!("{SM}:3")).is_err());
    }

    #[test]
    fn alias_names_follow_aws() {
        for good in ["prod", "PROD_2", "v1.2", "-", "9a"] {
            assert!(check_alias_name(good).is_ok(), "{good}");
        }
        for bad in ["", "123", "a b", "a:b", "é", &"a".repeat(81)] {
            assert!(check_alias_name(bad).is_err(), "{bad:?}");
        }
    }
}
