//! Tag rules shared by the REST and AWS APIs (AWS's limits): keys 1–128 characters, not
//! starting with `aws:`; values up to 256 characters; at most
//! [`baton_engine::store::MAX_TAGS`] per state machine.

pub const MAX_TAG_KEY: usize = 128;
pub const MAX_TAG_VALUE: usize = 256;

/// Why a tag key cannot be used; `at` names it in the message.
pub fn check_tag_key(key: &str, at: &str) -> Result<(), String> {
    let n = key.chars().count();
    if !(1..=MAX_TAG_KEY).contains(&n) {
        return Err(format!("{at}: a tag key is 1 to {MAX_TAG_KEY} characters"));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("{at}: tag keys starting with 'aws:' are reserved"));
    }
    Ok(())
}

/// Why a tag value cannot be used.
pub fn check_tag_value(value: &str, at: &str) -> Result<(), String> {
    if value.chars().count() > MAX_TAG_VALUE {
        return Err(format!(
            "{at}: a tag value is at most {MAX_TAG_VALUE} characters"
        ));
    }
    Ok(())
}
