//! Roman Urdu (Urdu in Latin letters, often mixed with English verbs: "task 3
//! delete kar do"): reply wording, request patterns and marker words.

use std::sync::LazyLock;

use super::grammar::{Grammar, rx, rxs};
use crate::agent::offline::replies::Words;

macro_rules! misalen {
    () => {
        "\"doodh lena add karo\", \"kya baqi hai?\", \"task 3 mukammal karo\", \"task 2 ka naam badal kar Ammi ko call karna kar do\" ya \"gym wala task delete karo\""
    };
}

pub static WORDS: Words = Words {
    greeting: concat!(
        "Assalam o Alaikum! Main aap ki tasks ki list sambhalta hoon. Batayein kya karna hai, maslan ",
        misalen!(),
        "."
    ),
    help: concat!(
        "Main aap ke tasks add kar sakta hoon, dikha sakta hoon, mukammal kar sakta hoon, un ka naam badal sakta hoon aur delete kar sakta hoon. Try karein: ",
        misalen!(),
        ". Aap yeh bhi keh sakte hain: \"ticket book karna add karo, detail: Lahore ke liye\" ya \"kaun se kaam mukammal ho gaye?\"."
    ),
    thanks: "Koi baat nahi! Jab bhi list mein kuch aur karna ho, bata dijiye.",
    goodbye: "Khuda hafiz! Aap ke tasks yahin mehfooz rahenge.",
    unknown_suggest: "Mujhe samajh nahi aaya ke aap kya chahte hain. Kya '{title}' ko naya task bana kar add kar doon? Add karne ke liye \"haan\" kahein, ya \"mere tasks dikhao\" ya \"madad\" kahein.",
    unknown: concat!(
        "Maaf kijiye, main samajh nahi saka. Main aap ke tasks sambhal sakta hoon, maslan ",
        misalen!(),
        "."
    ),
    empty_title: "Task ka naam kya ho? Maslan: \"doodh lena add karo\".",
    title_too_long: "Yeh title {n} huroof ka hai, magar ziyada se ziyada {max} ho sakte hain — kya aap isay chhota kar sakte hain? Main ne kuch save nahi kiya.",
    description_too_long: "Yeh detail {n} huroof ki hai, magar ziyada se ziyada {max} ho sakte hain — kya aap isay chhota kar sakte hain? Main ne kuch save nahi kiya.",
    added: "Main ne '{title}' add kar diya (task {id}).",
    added_described: "Main ne '{title}' add kar diya (task {id}), detail: '{description}'.",
    completed: "Ho gaya! Main ne '{title}' (task {id}) mukammal kar diya.",
    deleted: "Main ne '{title}' (task {id}) delete kar diya.",
    updated: "Main ne '{title}' (task {id}) update kar diya.",
    renamed_described: "Main ne task {id} ka naam badal kar '{title}' kar diya aur us ki detail bhi badal di.",
    renamed: "Main ne task {id} ka naam badal kar '{title}' kar diya.",
    described: "Main ne '{title}' (task {id}) ki detail badal di.",
    not_found: "Mujhe task {id} nahi mila — shayad yeh mojood nahi ya delete ho chuka hai.",
    could_not: "Maaf kijiye, main {what} nahi kar saka: {message}.",
    could_not_complete: "yeh task mukammal",
    could_not_delete: "yeh task delete",
    could_not_update: "yeh task update",
    could_not_do: "yeh",
    add_refused: "Maaf kijiye, main yeh task add nahi kar saka: {message}.",
    list_refused: "Maaf kijiye, main aap ke tasks nahi la saka: {message}.",
    list_empty: "Aap ki list khaali hai — shuru karne ke liye kahein \"doodh lena add karo\".",
    none_pending: "Koi task baqi nahi — aap sab kar chuke hain!",
    none_completed: "Aap ne abhi tak koi task mukammal nahi kiya.",
    heading_all: "Yeh rahe aap ke tasks ({pending} baqi, {done} mukammal):",
    heading_pending: "Aap ke {tasks} baqi hain:",
    heading_completed: "Aap {tasks} mukammal kar chuke hain:",
    task_one: "{n} task",
    task_many: "{n} tasks",
    which_complete: "In mein se kaun sa mukammal karoon?",
    which_delete: "In mein se kaun sa delete karoon?",
    which_update: "In mein se kaun sa badloon? Number batayein, maslan \"task 2 ka naam badal kar … kar do\".",
    ambiguous: "'{query}' se ek se ziyada tasks milte hain:",
    only_described: "'{query}' naam ka koi task nahi, magar is task mein us ka zikr hai:",
    no_match: "Mujhe '{query}' se milta koi task nahi mila, is liye main ne kuch nahi badla. Sab dekhne ke liye kahein \"mere tasks dikhao\".",
    no_tasks: "Aap ke paas abhi koi task nahi, is liye badalne ko kuch nahi.",
    which_task_complete: "Kaun sa task mukammal karoon? Us ka number batayein, maslan \"task 3\", ya us ke naam ka koi lafz.",
    which_task_delete: "Kaun sa task delete karoon? Us ka number batayein, maslan \"task 3\", ya us ke naam ka koi lafz.",
    which_task_update: "Kaun sa task badloon? Us ka number batayein, maslan \"task 3\", ya us ke naam ka koi lafz.",
    no_such_position: "Us list mein number {n} par koi task nahi — us mein {tasks} hain.",
    no_last: "Us list mein koi task nahi.",
    update_needs_value: "Isay kya kar doon? Maslan: \"task 1 ka naam badal kar Ammi ko raat ko call karna kar do\" ya \"task 1 ki detail shaam 6 baje ke baad kar do\".",
    reopen_unsupported: "Maaf kijiye, main abhi kisi task ko na-mukammal nahi kar sakta. Main tasks add, list, mukammal, update ya delete kar sakta hoon.",
    bare_ref: "Is ka kya karoon? Aap keh sakte hain \"task 3 mukammal karo\", \"task 3 delete karo\" ya \"task 3 ka naam badal kar … kar do\".",
    one_at_a_time: "Main ek waqt mein ek hi task badal sakta hoon — aap ki murad kaun sa hai?",
    bulk_none: "Main ne koi task nahi badla.",
    bulk_completed: "Ho gaya! Main ne {tasks} mukammal kar diye: {titles}.",
    bulk_deleted: "Main ne {tasks} delete kar diye: {titles}.",
    nothing_to_complete: "Mukammal karne ko koi task baqi nahi — aap sab kar chuke hain!",
    no_completed_to_clear: "Aap ke paas koi mukammal task nahi jise hataya jaye.",
    already_empty: "Aap ki list pehle hi khaali hai.",
    yes_to_nothing: "Theek hai! Abhi kisi baat ki tasdeeq baqi nahi — batayein kya karna hai, maslan \"doodh lena add karo\" ya \"mere tasks dikhao\".",
    no_to_nothing: "Theek hai, main kuch nahi badalta.",
    list_separator: ", ",
    that_task: "yeh task",
};

/// Roman Urdu function words and verbs (counted three times against English
/// markers, since Roman Urdu borrows "task", "add", "delete").
pub static MARKERS: &[&str] = &[
    "karo",
    "kro",
    "kar",
    "kr",
    "kardo",
    "krdo",
    "karein",
    "karen",
    "krein",
    "kijiye",
    "do",
    "dikhao",
    "dikhayein",
    "dikha",
    "batao",
    "batayein",
    "hatao",
    "hata",
    "mitao",
    "mita",
    "nikalo",
    "hai",
    "hain",
    "kya",
    "mera",
    "meri",
    "mere",
    "meray",
    "ka",
    "ki",
    "ko",
    "ke",
    "wala",
    "wali",
    "waala",
    "gaya",
    "gya",
    "gayi",
    "shukriya",
    "shukria",
    "salam",
    "assalam",
    "haan",
    "han",
    "nahi",
    "nahin",
    "aur",
    "kaam",
    "mukammal",
    "baqi",
    "baaki",
    "baki",
    "naam",
    "badal",
    "shamil",
    "yaad",
    "dilana",
    "liya",
    "diya",
    "sab",
    "saare",
    "sare",
    "tamam",
    "pehla",
    "pehli",
    "doosra",
    "dusra",
    "doosri",
    "teesra",
    "aakhri",
    "akhri",
    "isay",
    "usay",
    "isko",
    "usko",
    "madad",
    "khuda",
    "hafiz",
    "theek",
    "thik",
    "bhi",
    "mein",
    "main",
    "se",
    "kaun",
    "kon",
    "naya",
    "karna",
    "lena",
    "dena",
    "konsa",
    "paas",
    "kuch",
    "cheezein",
    "chahiye",
    "zaroorat",
    "bilkul",
    "ji",
];

/// Words that say nothing about which task is meant.
pub static STOP_WORDS: &[&str] = &[
    "ka", "ki", "ke", "ko", "se", "mein", "me", "ne", "par", "pe", "aur", "yeh", "ye", "woh", "wo",
    "wala", "wali", "wale", "waala", "kaam", "karna", "kar", "hai", "hain", "mera", "meri", "mere",
    "meray", "ek", "bhi",
];

/// Verb endings: "karo", "kar do", "karein", …
const K: &str = r"(?:kar\s*do|kr\s*do|karo|kro|kar\s*dein|kr\s*dein|kar\s*den|karein|karen|krein|kren|kijiye|kijie|kar\s*dijiye|karna|kar\s*dena)";
/// "give" endings after a verb stem: "hata do".
const D: &str = r"(?:do|dein|den|dijiye|dena)";
const DONE_NOW: &str = r"(?:ho\s*gaya|ho\s*gya|hogaya|hogya|ho\s*gayi|ho\s*gai|ho\s*gaye|ho\s*gye|ho\s*chuka|ho\s*chuki|ho\s*chuke)";

pub static GRAMMAR: LazyLock<Grammar> = LazyLock::new(|| Grammar {
    greeting: rx(
        r"^(?:assalam\s*o\s*alaikum|assalamualaikum|asalam\s*o\s*alaikum|salam|salaam|aoa|adaab|hello\s+ji|hi\s+ji)(?:\s+(?:ji|dost|bhai))?$",
    ),
    help: rx(
        r"^(?:madad|madad\s+karo|madad\s+chahiye|mujhe\s+madad\s+chahiye|help\s+chahiye|help\s+karo|tum\s+kya\s+kar\s+sakte\s+ho|aap\s+kya\s+kar\s+sakte\s+hain|kya\s+kar\s+sakte\s+ho|kya\s+kya\s+kar\s+sakte\s+ho)$",
    ),
    thanks: rx(
        r"^(?:shukriya|shukria|bohat\s+shukriya|bahut\s+shukriya|bohot\s+shukriya|shukriya\s+ji|meherbani|jazakallah|bas|bas\s+itna\s+hi|zabardast|bohat\s+khoob)$",
    ),
    goodbye: rx(r"^(?:khuda\s*hafiz|allah\s*hafiz|phir\s+milenge|chalo\s+bye)$"),
    yes: rx(
        r"^(?:haan|han|haan\s+ji|han\s+ji|ji|jee|ji\s+haan|jee\s+haan|theek\s+hai|thik\s+hai|theek|bilkul|zaroor|haan\s+kar\s+do|kar\s+do)$",
    ),
    no: rx(r"^(?:nahi|nahin|nai|ji\s+nahi|nahi\s+shukriya|rehne\s+do|rehnay\s+do|mat\s+karo)$"),
    lead: rx(
        r"^(?:assalam\s*o\s*alaikum|salam|zara|please|plz|acha|achha|aur|ab|bhai|yaar)(?:\b|$)[\s,.!:;-]*",
    ),
    trailing: rx(r"[\s,]*\b(?:please|plz|shukriya|meherbani|zara|yaar|bhai)$"),
    complete_all: rx(&format!(
        r"^(?:saare|sare|tamam|sab)\s*(?:ke\s+sab\s+)?(?:kaam|tasks?)?\s*(?:ko\s+)?(?:mukammal|complete|done)\s*{K}$"
    )),
    delete_completed: rx(&format!(
        r"^(?:saare\s+|sare\s+|tamam\s+)?(?:mukammal\s+shuda|mukammal|complete|completed|done)\s+(?:kaam|tasks?)\s+(?:ko\s+)?(?:(?:delete|remove|saaf|khatam)\s*{K}|(?:hata|mita|nikal)\s*{D}|hatao|mitao)$"
    )),
    delete_all: rx(&format!(
        r"^(?:saare|sare|tamam|sab)\s*(?:kaam|tasks?|kuch)?\s*(?:ko\s+)?(?:(?:delete|remove)\s*{K}|(?:hata|mita)\s*{D}|hatao|mitao)$|^(?:meri\s+)?list\s+(?:khaali|khali|saaf)\s*{K}$"
    )),
    update: rxs(&[
        &format!(
            r"^(?P<r>.+?)\s+(?:ki|ka)\s+(?P<f>tafseel|detail|details|description)\s+(?:badal\s*(?:kar|kr)\s+|change\s*(?:kar|kr)\s*(?:ke)?\s+)?(?P<v>.+?)\s+(?:{K}|likh\s*{D}|rakh\s*{D})$"
        ),
        &format!(
            r"^(?P<r>.+?)\s+ka\s+(?:naam|name|title)\s+(?:badal|tabdeel|change)\s*(?:kar|kr)\s*(?:ke\s+)?(?P<v>.+?)\s+(?:{K}|rakh\s*{D}|rakho|rakhein)$"
        ),
        &format!(
            r"^(?P<r>.+?)\s+ka\s+(?:naam|name|title)\s+(?P<v>.+?)\s+(?:rakh\s*{D}|rakho|rakhein|{K})$"
        ),
        &format!(
            r"^(?P<r>.+?)\s+ko\s+(?P<v>.+?)\s+(?:mein|me|main)\s+(?:badal|tabdeel|change)\s*(?:{K}|{D})$"
        ),
    ]),
    update_without_value: rxs(&[&format!(
        r"^(?P<r>.+?)\s+ka\s+(?:naam|name|title)\s+(?:badlo|badal\s*{D}|(?:change|tabdeel)\s*{K})$"
    )]),
    description_field: rx(r"^(?:tafseel|detail|details|description)$"),
    reopen: rxs(&[
        &format!(
            r"^(?P<r>.+?)\s+(?:ko\s+)?(?:na-?mukammal|incomplete|undone|not\s+done|dobara\s+khol|wapas\s+khol)\s*(?:{K}|{D})$"
        ),
        r"^(?P<r>.+?)\s+(?:abhi\s+)?(?:mukammal|complete|done)\s+nahi\s+(?:hua|huwa|hai)$",
    ]),
    complete: rxs(&[
        &format!(
            r"^(?P<r>.+?)\s+(?:ko\s+)?(?:mukammal|complete|done|poora|pura|finish)\s*(?:{K}|{DONE_NOW}|hai|hain)$"
        ),
        &format!(
            r"^(?P<r>.+?)\s+(?:par|pe|ko)\s+(?:nishan|tick)\s+(?:laga\s*{D}|lagao|lagayein|{K})$"
        ),
        &format!(
            r"^(?P<r>.+?)\s+(?:{DONE_NOW}|kar\s*liya|kr\s*liya|karliya|kar\s*diya|kr\s*diya|kardiya|kar\s*li|kar\s*di|kar\s*liye|kar\s*diye|le\s*liya|le\s*li|de\s*diya|khareed\s*liya|khareed\s*li)$"
        ),
    ]),
    past: Vec::new(),
    past_forms: &[],
    delete: rxs(&[
        &format!(
            r"^(?P<r>.+?)\s+(?:ko\s+)?(?:(?:delete|remove|cancel|khatam|hazf)\s*{K}|(?:hata|mita|nikal)\s*{D}|hatao|mitao|nikalo|hatayein|mitayein)$"
        ),
        r"^(?:mujhe\s+)?(?P<r>.+?)\s+ki\s+(?:ab\s+)?(?:koi\s+)?(?:zaroorat|zarurat)\s+nahi(?:\s+hai)?$",
    ]),
    list: rxs(&[
        r"\b(?:dikhao|dikhaao|dikhayein|dikha\s*do|dikha\s*dein|dikhaiye|batao|batayein|bata\s*do|bata\s*dein|bataiye|show\s+karo)$",
        r"^(?:(?:mere|meray|meri|saare|sare|tamam|sab|baqi|baaki|mukammal|pending)\s+)*(?:kaam|tasks?|list)(?:\s+(?:baqi|baaki|mukammal))?(?:\s+(?:hain|hai))?$",
        r"^(?:kya|kaun\s+se|kon\s+se|konse|kaun\s+sa|kitne)\s.*(?:baqi|baaki|baki|bacha|bache|reh\s+gaya|reh\s+gaye|hai|hain|kiya|gaye|hue|huay)$",
        r"^(?:mere\s+paas\s+kya|meray\s+paas\s+kya|main\s+ne\s+kya|maine\s+kya|kuch\s+baqi|kuch\s+baaki|koi\s+kaam\s+baqi|aaj\s+kya\s+karna)",
    ]),
    question: rx(
        r"^(?:kya|kaun|kon|konse|kitne|kitni|kab|kahan|kyun|kaise|mere\s+paas|meray\s+paas)\b",
    ),
    pending: rx(
        r"\b(?:baqi|baaki|baki|bacha|bache|pending|adhoore|adhure|reh\s+gaye|reh\s+gaya|mukammal\s+nahi|nahi\s+hue|nahi\s+huay|karna\s+hai)\b",
    ),
    completed: rx(
        r"\b(?:mukammal|complete|completed|ho\s+gaye|ho\s+chuke|kar\s+liye|kar\s+chuka|khatam|done)\b",
    ),
    all: rx(r"\b(?:saare|sare|tamam|sab)\b"),
    add: rxs(&[
        &format!(
            r"^(?P<t>.+?)\s+(?:ko\s+)?(?:(?:add|shamil|shaamil|darj|note)\s*{K}|(?:likh|daal|dal)\s*(?:lo|lein|{D}))(?:\s*[,;:]\s*(?P<tail>.+))?$"
        ),
        r"^(?:(?:ek\s+)?(?:naya\s+)?(?:kaam|task)\s+(?:add|shamil)\s+(?:karo|kro|kar\s+do)|naya\s+kaam|naya\s+task|(?:add|shamil)\s+(?:karo|kro|kar\s+do))\s*[:,]?\s*(?P<t>.+)$",
        r"^(?:mujhe\s+)?yaad\s+(?:dilana|dilao|dilayein|dila\s+dena|dila\s+dein|karwana)\s+(?:ke|keh|k|kay)\s+(?P<t>.+)$",
        r"^(?:mujhe\s+)?(?P<t>.+?)\s+yaad\s+(?:dilana|dilao|dilayein|dila\s+dena|dila\s+dein|rakhna)$",
    ]),
    intention: rxs(&[
        r"^(?:mujhe|hamein|humein)\s+(?P<t>.+?\s+(?:karna|lena|jana|jaana|khareedna|kharidna|dena|lana|bhejna|likhna|parhna|banana|dekhna))\s+(?:hai|hain|hoga|parega)$",
    ]),
    add_object: rx(r"^(?:ek\s+)?(?:naya\s+)?(?:kaam|task)\s*[:,-]\s*"),
    list_place: rx(
        r"^(?:meri\s+|apni\s+)?list\s+(?:mein|me|main)\s*|\s+(?:meri\s+|apni\s+)?list\s+(?:mein|me|main)$|\s+(?:hai|hain)$|\s+(?:ka|ki)\s+(?:kaam|task)$",
    ),
    description: rx(
        r"^(?P<t>.+?)\s*(?:[,;]\s*|\s+)(?:tafseel|detail|details|description)\s*:?\s*(?P<d>.+)$",
    ),
    ref_noise: rx(
        r"^(?:main\s+ne|maine|mera|meri|mere|meray|number|no\.?)\s+|^(?:kaam|task)\s+(?:number\s+|no\.?\s+)?|\s+(?:wala|wali|wale|waala)\s+(?:kaam|task)$|\s+(?:ko|ka|ki|wala|wali|wale|waala|kaam|task|number)$",
    ),
    id_words: rx(r"\b(?:kaam|tasks?|number|no|aur|or|and)\b|#"),
    ordinals: &[
        ("pehla", 1),
        ("pehli", 1),
        ("pehle", 1),
        ("pahla", 1),
        ("pahli", 1),
        ("doosra", 2),
        ("dusra", 2),
        ("doosri", 2),
        ("dusri", 2),
        ("doosre", 2),
        ("dusre", 2),
        ("teesra", 3),
        ("tisra", 3),
        ("teesri", 3),
        ("tisri", 3),
        ("teesre", 3),
        ("chautha", 4),
        ("chotha", 4),
        ("chauthi", 4),
        ("chothi", 4),
        ("panchwan", 5),
        ("panchwa", 5),
        ("paanchwan", 5),
        ("panchwi", 5),
    ],
    last: rx(r"^(?:aakhri|akhri|aakhari|akhari)$"),
    previous: rx(
        r"^(?:isay|ise|isse|usay|use|usse|usko|isko|is\s+ko|us\s+ko|yeh|ye|woh|wo|yeh\s+wala|ye\s+wala|woh\s+wala|wo\s+wala|is|us)$",
    ),
    and: rx(r"\s+(?:aur|or|and)\s+"),
    many: rx(
        r"^(?:\d+|do|teen|char|chaar|paanch|kuch)\s+(?:cheezein|cheezain|cheezen|kaam|tasks|things)\s*[:,]\s*",
    ),
});
