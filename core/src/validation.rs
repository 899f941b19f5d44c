//! The task rules of the contract, shared by the sidecar and its callers.

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Trims a title and checks it is 1–200 characters.
pub fn title(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("title must not be empty".into());
    }
    let n = t.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(format!(
            "title is {n} characters long; the limit is {MAX_TITLE_CHARS}"
        ));
    }
    Ok(t.to_string())
}

/// Trims a description and checks it is at most 1000 characters.
pub fn description(raw: &str) -> Result<String, String> {
    let d = raw.trim();
    let n = d.chars().count();
    if n > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "description is {n} characters long; the limit is {MAX_DESCRIPTION_CHARS}"
        ));
    }
    Ok(d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(title("  Buy milk ").unwrap(), "Buy milk");
        assert!(title("   ").is_err());
        assert!(title(&"é".repeat(200)).is_ok());
        assert!(title(&"é".repeat(201)).is_err());
    }

    #[test]
    fn descriptions() {
        assert_eq!(description("").unwrap(), "");
        assert!(description(&"x".repeat(1000)).is_ok());
        assert!(description(&"x".repeat(1001)).is_err());
    }
}
