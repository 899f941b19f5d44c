//! What of a round's text may reach the client while the model still writes
//! it. A reply may claim only what a tool call of the turn did (see
//! [`super::guard`]), and a claim is only known once its sentence ends; so
//! text goes out as it arrives up to the first word of the unfinished
//! sentence that is, or could still become, a claim verb ("added",
//! "deleted", …). That sentence goes out when it ends and claims nothing
//! unbacked; once one does, nothing more of the round goes out, and the
//! agent withdraws what was sent. Whitespace at either end is held back too,
//! since the stored reply is trimmed.

use super::guard;

/// One round's text as it streams in.
pub struct LiveText {
    text: String,
    /// Bytes of `text` passed on.
    sent: usize,
    /// Bytes of `text` checked for claims: whole sentences.
    checked: usize,
    /// A finished sentence made an unbacked claim.
    held: bool,
    /// Tools that succeeded earlier in the turn: claims of these are true.
    backed: Vec<String>,
}

impl LiveText {
    pub fn new(backed: Vec<String>) -> Self {
        Self {
            text: String::new(),
            sent: 0,
            checked: 0,
            held: false,
            backed,
        }
    }

    /// Takes the next piece of the round's text; returns what may go out now.
    pub fn push(&mut self, piece: &str) -> Option<String> {
        self.text.push_str(piece);
        if self.held {
            return None;
        }
        let sentences_end = self.text.rfind(guard::SENTENCE_ENDS).map_or(0, |at| at + 1);
        if sentences_end > self.checked {
            let finished = &self.text[self.checked..sentences_end];
            if guard::claimed_tools(finished)
                .iter()
                .any(|tool| !self.backed.iter().any(|b| b == tool))
            {
                self.held = true;
                return None;
            }
            self.checked = sentences_end;
        }
        let safe = self.checked + open_sentence_safe_len(&self.text[self.checked..]);
        // Whitespace goes out with the word after it.
        let safe = self.text[..safe].trim_end().len();
        let start = self.sent.max(self.lead());
        if safe <= start {
            return None;
        }
        self.sent = safe;
        Some(self.text[start..safe].to_string())
    }

    /// What went out so far: always the start of the round's trimmed text.
    pub fn streamed(&self) -> &str {
        let lead = self.lead();
        if self.sent <= lead {
            ""
        } else {
            &self.text[lead..self.sent]
        }
    }

    fn lead(&self) -> usize {
        self.text.len() - self.text.trim_start().len()
    }
}

/// Bytes of an unfinished sentence that cannot be part of a claim yet: up
/// to its first claim verb, or its last word when that could grow into one.
fn open_sentence_safe_len(sentence: &str) -> usize {
    let mut word_start = None;
    for (at, c) in sentence.char_indices() {
        let in_word = c.is_alphanumeric() || c == '_';
        match (word_start, in_word) {
            (None, true) => word_start = Some(at),
            (Some(start), false) => {
                if guard::is_claim_verb(&sentence[start..at]) {
                    return start;
                }
                word_start = None;
            }
            _ => {}
        }
    }
    match word_start {
        Some(start) if guard::could_become_claim_verb(&sentence[start..]) => start,
        _ => sentence.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pieces`; returns what went out after each.
    fn run(backed: &[&str], pieces: &[&str]) -> (Vec<Option<String>>, LiveText) {
        let mut live = LiveText::new(backed.iter().map(|t| t.to_string()).collect());
        let out = pieces.iter().map(|piece| live.push(piece)).collect();
        (out, live)
    }

    #[test]
    fn plain_text_goes_out_word_by_word() {
        let (out, live) = run(&[], &["Hi! ", "I ", "can ", "list ", "tasks."]);
        assert_eq!(
            out,
            [
                Some("Hi!".into()),
                Some(" I".into()),
                Some(" can".into()),
                Some(" list".into()),
                Some(" tasks.".into())
            ]
        );
        assert_eq!(live.streamed(), "Hi! I can list tasks.");
    }

    #[test]
    fn a_claim_waits_for_its_sentence_and_goes_out_when_backed() {
        let (out, live) = run(
            &["add_task"],
            &["I've ", "added ", "milk", ". ", "Anything"],
        );
        assert_eq!(
            out,
            [
                Some("I've".into()),
                None,
                None,
                Some(" added milk.".into()),
                Some(" Anything".into())
            ]
        );
        assert_eq!(live.streamed(), "I've added milk. Anything");
    }

    #[test]
    fn an_unbacked_claim_never_goes_out() {
        let (out, live) = run(&[], &["Sure! ", "I've ", "deleted ", "task 3.", " Bye."]);
        assert_eq!(out[0].as_deref(), Some("Sure!"));
        assert!(out[2..].iter().all(Option::is_none), "{out:?}");
        assert!(!live.streamed().contains("deleted"));
    }

    #[test]
    fn a_word_that_could_grow_into_a_claim_waits() {
        let (out, _) = run(&[], &["It was ", "ad", "ded."]);
        assert_eq!(out, [Some("It was".into()), None, None]);
        // "add" followed by a space is a whole word, not "added".
        let (out, _) = run(&[], &["I can ", "add ", "it"]);
        assert_eq!(out[1].as_deref(), Some(" add"));
    }

    #[test]
    fn a_denial_goes_out_once_its_sentence_ends() {
        let (out, live) = run(&[], &["Nothing ", "was ", "deleted", "."]);
        assert_eq!(
            out,
            [
                Some("Nothing".into()),
                Some(" was".into()),
                None,
                Some(" deleted.".into())
            ]
        );
        assert_eq!(live.streamed(), "Nothing was deleted.");
    }

    #[test]
    fn surrounding_whitespace_is_held_back() {
        let (out, live) = run(&[], &["\n\n", "Hello", " \n"]);
        assert_eq!(out, [None, Some("Hello".into()), None]);
        assert_eq!(live.streamed(), "Hello");
    }
}
