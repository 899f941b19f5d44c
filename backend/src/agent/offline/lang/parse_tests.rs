//! Spanish, Urdu and Roman Urdu requests parse to the same intents as their
//! English equivalents.

use super::{Lang, understand};
use crate::agent::offline::intent::{Intent, Position, StatusFilter, TaskRef};

fn says(lang: Lang, cases: &[(&str, Intent)]) {
    let mut failures = Vec::new();
    for (text, expected) in cases {
        let (got_lang, got) = understand(text, Lang::En);
        if got != *expected || got_lang != lang {
            failures.push(format!(
                "{text:?}: got {got_lang:?} {got:?}, expected {expected:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn add(title: &str) -> Intent {
    Intent::Add {
        title: title.into(),
        description: None,
    }
}

fn title(t: &str) -> TaskRef {
    TaskRef::Title(t.into())
}

fn rename(target: TaskRef, to: &str) -> Intent {
    Intent::Update {
        target,
        title: Some(to.into()),
        description: None,
    }
}

#[test]
fn spanish() {
    use Intent::*;
    says(
        Lang::Es,
        &[
            ("añade comprar leche", add("Comprar leche")),
            (
                "Agrega una tarea: pagar las facturas",
                add("Pagar las facturas"),
            ),
            ("recuérdame llamar a mamá", add("Llamar a mamá")),
            ("tengo que llamar al dentista", add("Llamar al dentista")),
            ("¿qué tengo que hacer?", List(StatusFilter::Pending)),
            ("añade pan a mi lista", add("Pan")),
            (
                "añade leche y huevos a mi lista",
                AddMany(vec!["Leche".into(), "Huevos".into()]),
            ),
            ("pon leche en mi lista", add("Leche")),
            (
                "apunta reservar vuelos, descripción: a Lisboa en mayo",
                Add {
                    title: "Reservar vuelos".into(),
                    description: Some("a Lisboa en mayo".into()),
                },
            ),
            (
                "añade 3 cosas: huevos, pan y mermelada",
                AddMany(vec!["Huevos".into(), "Pan".into(), "Mermelada".into()]),
            ),
            ("muéstrame mis tareas", List(StatusFilter::All)),
            ("¿Qué tengo pendiente?", List(StatusFilter::Pending)),
            ("¿qué he completado?", List(StatusFilter::Completed)),
            ("tareas completadas", List(StatusFilter::Completed)),
            ("¿me queda algo?", List(StatusFilter::Pending)),
            ("marca la tarea 3 como hecha", Complete(TaskRef::Id(3))),
            (
                "completa la segunda",
                Complete(TaskRef::Position(Position::Nth(2))),
            ),
            (
                "ya pagué las facturas",
                Complete(title("pagar las facturas")),
            ),
            (
                "la tarea del gimnasio está hecha",
                Complete(title("gimnasio")),
            ),
            ("márcala como hecha", Complete(TaskRef::Previous)),
            ("marca la tarea 3 como no hecha", Reopen(TaskRef::Id(3))),
            ("borra la tarea 2", Delete(TaskRef::Id(2))),
            (
                "elimina la última",
                Delete(TaskRef::Position(Position::Last)),
            ),
            ("bórrala", Delete(TaskRef::Previous)),
            ("quita la del gimnasio", Delete(title("gimnasio"))),
            (
                "cambia la tarea 1 a Llamar a mamá esta noche",
                rename(TaskRef::Id(1), "Llamar a mamá esta noche"),
            ),
            (
                "renombra comprar pan a comprar pan integral",
                rename(title("comprar pan"), "Comprar pan integral"),
            ),
            (
                "cambia la descripción de la tarea 1 a después de las 6",
                Update {
                    target: TaskRef::Id(1),
                    title: None,
                    description: Some("después de las 6".into()),
                },
            ),
            ("borra las tareas completadas", DeleteCompleted),
            ("marca todas como hechas", CompleteAll),
            ("hola", Greeting),
            ("gracias", Thanks),
            ("ayuda", Help),
            ("adiós", Goodbye),
            ("sí", Confirm(true)),
        ],
    );
}

#[test]
fn urdu_script() {
    use Intent::*;
    says(
        Lang::Ur,
        &[
            ("دودھ خریدنا شامل کرو", add("دودھ خریدنا")),
            ("نیا کام: بل ادا کرنا", add("بل ادا کرنا")),
            ("فہرست میں انڈے شامل کر دو", add("انڈے")),
            (
                "فہرست میں دودھ اور انڈے شامل کر دو",
                AddMany(vec!["دودھ".into(), "انڈے".into()]),
            ),
            (
                "مجھے یاد دلانا کہ امی کو فون کرنا ہے",
                add("امی کو فون کرنا"),
            ),
            (
                "ٹکٹ بک کرنا شامل کرو، تفصیل: لاہور کے لیے",
                Add {
                    title: "ٹکٹ بک کرنا".into(),
                    description: Some("لاہور کے لیے".into()),
                },
            ),
            (
                "تین چیزیں شامل کرو: انڈے، ڈبل روٹی اور جیم",
                AddMany(vec!["انڈے".into(), "ڈبل روٹی".into(), "جیم".into()]),
            ),
            ("میرے کام دکھاؤ", List(StatusFilter::All)),
            ("کیا باقی ہے؟", List(StatusFilter::Pending)),
            ("مکمل شدہ کام دکھاؤ", List(StatusFilter::Completed)),
            ("کون سے کام مکمل ہو گئے؟", List(StatusFilter::Completed)),
            ("کام ۳ مکمل کرو", Complete(TaskRef::Id(3))),
            ("کام 3 کو مکمل کر دو", Complete(TaskRef::Id(3))),
            (
                "دوسرا کام مکمل کرو",
                Complete(TaskRef::Position(Position::Nth(2))),
            ),
            ("بل ادا کر دیا", Complete(title("بل ادا"))),
            ("اسے مکمل کر دو", Complete(TaskRef::Previous)),
            ("کام 3 کو نامکمل کر دو", Reopen(TaskRef::Id(3))),
            ("کام 2 حذف کرو", Delete(TaskRef::Id(2))),
            ("جم والا کام ہٹا دو", Delete(title("جم"))),
            (
                "آخری کام حذف کر دو",
                Delete(TaskRef::Position(Position::Last)),
            ),
            (
                "کام 2 کا نام بدل کر امی کو رات کو فون کرنا کر دو",
                rename(TaskRef::Id(2), "امی کو رات کو فون کرنا"),
            ),
            (
                "کام 1 کی تفصیل شام 6 بجے کے بعد کر دو",
                Update {
                    target: TaskRef::Id(1),
                    title: None,
                    description: Some("شام 6 بجے کے بعد".into()),
                },
            ),
            ("سارے کام مکمل کر دو", CompleteAll),
            ("مکمل شدہ کام حذف کر دو", DeleteCompleted),
            ("السلام علیکم", Greeting),
            ("شکریہ", Thanks),
            ("مدد", Help),
            ("خدا حافظ", Goodbye),
            ("جی ہاں", Confirm(true)),
            ("نہیں", Confirm(false)),
        ],
    );
}

#[test]
fn roman_urdu() {
    use Intent::*;
    says(
        Lang::UrLatn,
        &[
            ("doodh lena add kar do", add("Doodh lena")),
            ("naya task: bill jama karna", add("Bill jama karna")),
            (
                "mujhe yaad dilana ke ammi ko call karna hai",
                add("Ammi ko call karna"),
            ),
            ("mere tasks dikhao", List(StatusFilter::All)),
            ("kya baqi hai?", List(StatusFilter::Pending)),
            ("mukammal kaam dikhao", List(StatusFilter::Completed)),
            ("task 3 mukammal karo", Complete(TaskRef::Id(3))),
            (
                "doosra wala done kar do",
                Complete(TaskRef::Position(Position::Nth(2))),
            ),
            ("bill jama ho gaya", Complete(title("bill jama"))),
            ("task 3 mukammal nahi hua", Reopen(TaskRef::Id(3))),
            (
                "teen cheezein add karo: ande, double roti aur jam",
                AddMany(vec!["Ande".into(), "Double roti".into(), "Jam".into()]),
            ),
            (
                "ticket book karna add karo, detail: Lahore ke liye",
                Add {
                    title: "Ticket book karna".into(),
                    description: Some("Lahore ke liye".into()),
                },
            ),
            ("task 2 delete kar do", Delete(TaskRef::Id(2))),
            ("gym wala task hata do", Delete(title("gym"))),
            ("isay delete karo", Delete(TaskRef::Previous)),
            (
                "task 1 ka naam badal kar Ammi ko raat ko call karna kar do",
                rename(TaskRef::Id(1), "Ammi ko raat ko call karna"),
            ),
            ("saare kaam mukammal kar do", CompleteAll),
            ("assalam o alaikum", Greeting),
            ("shukriya", Thanks),
            ("madad", Help),
            ("haan", Confirm(true)),
        ],
    );
}

#[test]
fn english_stays_english() {
    for text in [
        "add buy milk",
        "show my tasks",
        "delete task 3",
        "what's pending?",
    ] {
        let (lang, intent) = understand(text, Lang::Es);
        assert_eq!(lang, Lang::En, "{text}");
        assert!(!matches!(intent, Intent::Unknown { .. }), "{text}");
    }
    // A bare number answers in the conversation's language.
    assert_eq!(understand("3", Lang::Ur).0, Lang::Ur);
    assert_eq!(understand("3", Lang::Ur).1, Intent::BareRef(TaskRef::Id(3)));
}

/// Every public example is read in its own language (or shows none).
#[test]
fn examples_are_detected_in_their_language() {
    use super::detect;
    let files: [(&str, &[Lang]); 4] = [
        (
            include_str!("../../../../tests/data/nl-examples.jsonl"),
            &[Lang::En],
        ),
        (
            include_str!("../../../../tests/data/nl-en-broad.jsonl"),
            &[Lang::En],
        ),
        (
            include_str!("../../../../tests/data/nl-es.jsonl"),
            &[Lang::Es],
        ),
        (
            include_str!("../../../../tests/data/nl-ur.jsonl"),
            &[Lang::Ur, Lang::UrLatn],
        ),
    ];
    let mut failures = Vec::new();
    for (lines, langs) in files {
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let say = case["say"].as_str().unwrap();
            let found = detect(say);
            if found.is_some_and(|l| !langs.contains(&l)) {
                failures.push(format!("{say:?}: {found:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Odd input never panics and never takes long, in any language.
#[test]
fn odd_input_is_handled() {
    let long_urdu = "ا".repeat(4000);
    let long_words = "tarea ".repeat(700);
    let odd = [
        "",
        " ",
        "۔۔۔",
        "؟",
        "'",
        "\"",
        "''",
        "کام",
        "tarea",
        "task",
        "¿",
        "¡¡¡",
        "task 99999999999999999999",
        "کام ۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹",
        "borra la tarea",
        "añade",
        "شامل کرو",
        "add kar do",
        "cambia a",
        "کا نام بدل کر کر دو",
        "\u{200c}\u{200f}",
        " ad milk",
        "a, b, c and d",
        "añade ,,, y y",
        long_urdu.as_str(),
        long_words.as_str(),
    ];
    for text in odd {
        let started = std::time::Instant::now();
        for fallback in Lang::ALL {
            let _ = understand(text, fallback);
        }
        // A guard against runaway work (a hang, exponential backtracking), not
        // a speed figure: generous, so a loaded machine does not fail it.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{text:?}"
        );
    }
}
