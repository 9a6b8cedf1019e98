//! Names and ARNs as AWS shapes them.

use super::{Result, ServiceError};

/// AWS's rule for state machine and execution names: 1–80 characters, none of whitespace,
/// `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /` or control characters.
pub fn check_name(name: &str) -> Result<()> {
    let bad =
        |c: char| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c);
    let len = name.chars().count();
    if len == 0 || len > 80 || name.chars().any(bad) {
        return Err(ServiceError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// The state machine name in `arn:aws:states:<region>:<account>:stateMachine:<name>`.
pub fn state_machine_name(arn: &str) -> Result<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, "stateMachine", name] if check_name(name).is_ok() => {
            Ok((*name).to_owned())
        }
        _ => Err(ServiceError::InvalidArn(arn.to_owned())),
    }
}

/// The execution id (`<state machine>:<name>`) in
/// `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`.
pub fn execution_id(arn: &str) -> Result<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [
            "arn",
            _,
            "states",
            _,
            _,
            "execution" | "express",
            sm,
            name,
            ..,
        ] if check_name(sm).is_ok() && check_name(name).is_ok() => Ok(format!("{sm}:{name}")),
        _ => Err(ServiceError::InvalidArn(arn.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_name("order-42_A.b").is_ok());
        for bad in ["", "a b", "a/b", "a:b", "a{b", "x\u{7}", &"n".repeat(81)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn arns_parse() {
        assert_eq!(
            state_machine_name("arn:aws:states:us-east-1:123456789012:stateMachine:orders")
                .unwrap(),
            "orders"
        );
        assert_eq!(
            execution_id("arn:aws:states:us-east-1:1:execution:orders:run-1").unwrap(),
            "orders:run-1"
        );
        assert!(state_machine_name("arn:aws:states:us-east-1:1:execution:orders:x").is_err());
        assert!(execution_id("orders:run-1").is_err());
        assert!(execution_id("arn:aws:states:r:a:execution:orders").is_err());
    }
}
