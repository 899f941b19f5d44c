//! The words around a request: greetings, politeness, "I need to…", and
//! messages that are nothing but small talk.

use std::sync::LazyLock;

use regex::Regex;

use crate::agent::offline::intent::Intent;
use crate::agent::offline::text::{re, trim_noise};

/// How the request was framed, which decides how bold the parser may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A bare command ("delete task 3").
    Plain,
    /// "I need to…", "I want to…": a command only if it clearly names a task,
    /// otherwise the rest is a new task ("I need to finish the report").
    Intention,
}

/// Separators allowed after a lead word.
const SEP: &str = r"(?:\b|$)[\s,.!:;-]*";

static SMALL_TALK_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:(?P<g>hi there|hello there|hey there|hi|hello|hey|hiya|heya|howdy|yo|greetings|good (?:morning|afternoon|evening|day))|(?P<t>thanks|thank you|thank u|thx|cheers)|ok(?:ay)?|so|um+|uh+|hmm+|well|alright|all right|oh|ah){SEP}"
    ))
});

static REQUEST_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:please|pls|plz|kindly|ok(?:ay)?|so|um+|uh+|well|alright|oh|also|and then|and|then|now|next|yes|yeah|yep|sure|great|cool|perfect|just|quickly|actually|btw|by the way|hey assistant|assistant|(?:can|could|would|will) (?:you|u)(?: please| kindly)?(?: help me)?|would you mind|would you be able to|are you able to|is it possible to|i want you to|i'?d like you to|i would like you to|i need you to|go ahead and|help me(?: to)?|let me|let'?s|can i|could i|may i){SEP}"
    ))
});

static INTENTION_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:i (?:still |also |really |just |definitely )?(?:need|must|should|gotta)(?: (?:really|definitely|probably|also|still|just|seriously))?(?: to)?|i (?:still |also |really |just )?(?:have|ought|got) to|i'?ve (?:still )?got to|i have got to|i'?m (?:going|supposed|meant|planning) to|i am (?:going|supposed|meant|planning) to|i'?m gonna|i am gonna|i want to|i wanna|i wish to|i'?d like to|i would like to|i'?d love to|i plan to|i'?ll (?:need to|have to)|i will (?:need to|have to)|i'?ll|i will|we (?:need|have|must|should|ought) to|we (?:must|should|gotta)|need to|have to|got to|gotta|must){SEP}"
    ))
});

static GREETING_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:hi|hello|hey|hiya|heya|howdy|yo|greetings|sup|good (?:morning|afternoon|evening|day))(?: there| again| friend| assistant| bot| buddy| everyone)?|what'?s up|wassup|how are you(?: doing)?(?: today)?|how'?s it going|how are things|nice to meet you)$",
    )
});

static HELP_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:help|help me|help please|i need help|need help|h|\?|can you help(?: me)?|could you help(?: me)?|what can you do(?: for me)?|what do you do|what are you|who are you|what can i (?:do|say|ask)(?: here| you)?|what can i ask you(?: to do)?|what (?:are|is) (?:your|the) (?:commands?|options?|features?|capabilities)|commands|options|menu|usage|instructions|how (?:does|do) (?:this|it|you) work|how do i use (?:this|you|it)|how to use(?: this| you)?|what is this|what'?s this|what do i do|what should i (?:say|do|type)|what can you help (?:me )?with|how can you help(?: me)?|how can i use you|what are you able to do|what can this do|examples?|show me (?:some )?examples)$",
    )
});

static THANKS_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:thanks|thank you|thank u|thx|ty|tysm|cheers|great|awesome|perfect|nice|cool|ok|okay|k|got it|sounds good|good|great thanks|that'?s (?:all|it|great|perfect|fine)|that will be all|nothing|never ?mind|all good|all done|i'?m done|i am done|done|well done|good job|nice one|(?:thanks|thank you) (?:so|very) much|thanks (?:a lot|a bunch|a million|again)|thank you (?:again|kindly)|many thanks|much appreciated|appreciate it|you'?re (?:great|awesome|the best))$",
    )
});

static YES_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:yes|yeah|yea|yep|yup|sure|yes please|please do|do it|go ahead|yes do it|confirm|confirmed|correct|affirmative|absolutely|of course|ok do it|okay do it)$",
    )
});

static NO_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:no|nope|nah|no thanks|no thank you|don'?t|do not|cancel|cancel that|stop)$")
});

static BYE_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:bye|goodbye|good bye|bye bye|see you(?: later| soon)?|see ya|later|cya|good night|goodnight|talk (?:to you )?later|ttyl)$",
    )
});

/// What is left once leading greetings are gone, and what they were.
pub struct Lead<'a> {
    pub rest: &'a str,
    pub greeted: bool,
    pub thanked: bool,
}

pub fn strip_small_talk(text: &str) -> Lead<'_> {
    let mut lead = Lead {
        rest: trim_noise(text),
        greeted: false,
        thanked: false,
    };
    while let Some(c) = SMALL_TALK_LEAD.captures(lead.rest) {
        let end = c.get(0).map_or(0, |m| m.end());
        if end == 0 {
            break;
        }
        lead.greeted |= c.name("g").is_some();
        lead.thanked |= c.name("t").is_some();
        lead.rest = trim_noise(&lead.rest[end..]);
    }
    lead
}

/// A message that is only small talk (already trimmed of trailing politeness).
pub fn small_talk(text: &str) -> Option<Intent> {
    if HELP_ONLY.is_match(text) {
        Some(Intent::Help)
    } else if GREETING_ONLY.is_match(text) {
        Some(Intent::Greeting)
    } else if BYE_ONLY.is_match(text) {
        Some(Intent::Goodbye)
    } else if YES_ONLY.is_match(text) {
        Some(Intent::Confirm(true))
    } else if NO_ONLY.is_match(text) {
        Some(Intent::Confirm(false))
    } else if THANKS_ONLY.is_match(text) {
        Some(Intent::Thanks)
    } else {
        None
    }
}

/// Strips politeness and intention phrases from the front.
pub fn strip_framing(text: &str) -> (&str, Framing) {
    let mut rest = trim_noise(text);
    let mut framing = Framing::Plain;
    loop {
        if let Some(m) = REQUEST_LEAD.find(rest).filter(|m| m.end() > 0) {
            rest = trim_noise(&rest[m.end()..]);
        } else if let Some(m) = INTENTION_LEAD.find(rest).filter(|m| m.end() > 0) {
            rest = trim_noise(&rest[m.end()..]);
            framing = Framing::Intention;
        } else {
            return (rest, framing);
        }
    }
}

/// Strips only "I need to…"-style phrases (inside an add, where words like
/// "next" or "just" may belong to the title).
pub fn strip_intention(text: &str) -> &str {
    let mut rest = trim_noise(text);
    while let Some(m) = INTENTION_LEAD.find(rest).filter(|m| m.end() > 0) {
        rest = trim_noise(&rest[m.end()..]);
    }
    rest
}
