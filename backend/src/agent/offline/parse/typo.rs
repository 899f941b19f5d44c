//! Small typos in the command word ("ad", "delet", "shw"): tried only when a
//! message was not understood as written.

/// The verbs a request starts with.
const COMMANDS: &[&str] = &[
    "add", "show", "list", "delete", "remove", "complete", "mark", "rename", "change", "update",
    "finish", "display", "create", "cancel", "erase", "check", "clear", "edit", "tick",
];

/// Real words one letter away from a command, never corrected.
const WORDS: &[&str] = &[
    "how", "lit", "ark", "mar", "sow", "had", "and", "dad", "mad", "bad", "sad", "lad", "pad",
    "mask", "last", "lust", "lost", "mist", "fist", "shoe", "shot", "snow", "slow", "stow", "chow",
    "cheek", "chick", "tic", "tack", "mare", "dark", "park", "bark", "lark", "mart", "marks",
    "chance", "remote", "relate", "crate", "cancer", "finnish", "edits", "odd", "ado", "aid",
];

/// The message with its first word replaced by the one command it is a
/// typo of, if there is exactly one.
pub fn fix_command_word(text: &str) -> Option<String> {
    let text = text.trim_start();
    let first = text.split_whitespace().next()?;
    let word = first.to_lowercase();
    if word.len() < 2
        || !word.chars().all(|c| c.is_ascii_alphabetic())
        || COMMANDS.contains(&word.as_str())
        || WORDS.contains(&word.as_str())
    {
        return None;
    }
    let mut candidates = COMMANDS.iter().filter(|c| is_typo_of(&word, c));
    let command = candidates.next()?;
    if candidates.next().is_some() {
        return None;
    }
    Some(format!("{command}{}", &text[first.len()..]))
}

/// A missing letter, two swapped neighbours, or (in words of five letters
/// or more) one extra or wrong letter.
fn is_typo_of(typed: &str, command: &str) -> bool {
    let (t, c) = (typed.as_bytes(), command.as_bytes());
    let dropped =
        t.len() + 1 == c.len() && (0..c.len()).any(|i| c[..i] == t[..i] && c[i + 1..] == t[i..]);
    let swapped = t.len() == c.len() && {
        let diff: Vec<usize> = (0..t.len()).filter(|&i| t[i] != c[i]).collect();
        diff.len() == 2
            && diff[1] == diff[0] + 1
            && t[diff[0]] == c[diff[1]]
            && t[diff[1]] == c[diff[0]]
    };
    let long = c.len() >= 5;
    let extra = long
        && t.len() == c.len() + 1
        && (0..t.len()).any(|i| t[..i] == c[..i] && t[i + 1..] == c[i..]);
    let wrong = long && t.len() == c.len() && (0..t.len()).filter(|&i| t[i] != c[i]).count() == 1;
    dropped || swapped || extra || wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_only_clear_typos() {
        for (typed, fixed) in [
            ("ad a task to buy stamps", "add a task to buy stamps"),
            ("delet the gym one", "delete the gym one"),
            ("shw my tasks", "show my tasks"),
            ("lsit my tasks", "list my tasks"),
            ("compelte task 3", "complete task 3"),
            ("remvoe task 2", "remove task 2"),
            ("renmae task 1 to X", "rename task 1 to X"),
            ("deleet task 4", "delete task 4"),
        ] {
            assert_eq!(fix_command_word(typed).as_deref(), Some(fixed), "{typed}");
        }
        for text in [
            "how many tasks",
            "last one",
            "add milk",
            "a",
            "had lunch",
            "3 done",
        ] {
            assert_eq!(fix_command_word(text), None, "{text}");
        }
    }
}
