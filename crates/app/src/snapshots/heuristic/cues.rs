//! The documented cue lists (pt-BR and English), all folded: lower case, no accents. A trailing
//! `*` matches any word with that beginning; spaces separate the words of a phrase.

/// Something that holds the patient back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Objection {
    Price,
    Distance,
    Fear,
    Schedule,
}

/// When or how the patient likes to be seen or reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Preference {
    Morning,
    Afternoon,
    Evening,
    Whatsapp,
    Audio,
    Call,
    TextOnly,
}

/// What a conversation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Topic {
    Scheduling,
    Rescheduling,
    Cancellation,
    Confirmation,
    Price,
    Results,
    Treatment,
    Location,
    Insurance,
}

/// Positive tone.
pub(super) const POSITIVE: &[&str] = &[
    "obrigad*",
    "agradec*",
    "otimo",
    "otima",
    "adorei",
    "amei",
    "perfeito",
    "perfeita",
    "excelente",
    "maravilh*",
    "gostei",
    "muito bom",
    "muito boa",
    "top",
    "feliz",
    "thanks",
    "thank",
    "thx",
    "great",
    "awesome",
    "perfect",
    "excellent",
    "loved",
    "love",
    "amazing",
    "wonderful",
    "happy",
];

/// Negative tone.
pub(super) const NEGATIVE: &[&str] = &[
    "reclamacao",
    "reclamar",
    "reclamei",
    "pessim*",
    "horrivel",
    "demora",
    "demorou",
    "demorado",
    "absurdo",
    "absurda",
    "caro",
    "cara demais",
    "ruim",
    "insatisfeit*",
    "decepcion*",
    "chatead*",
    "irritad*",
    "descaso",
    "falta de respeito",
    "nunca mais",
    "bad",
    "terrible",
    "awful",
    "horrible",
    "worst",
    "disappointed",
    "complaint",
    "complain*",
    "angry",
    "upset",
    "expensive",
    "rude",
];

/// Objections, in the order they are reported.
pub(super) const OBJECTIONS: &[(Objection, &[&str])] = &[
    (
        Objection::Price,
        &[
            "caro",
            "cara demais",
            "preco",
            "precos",
            "valor",
            "valores",
            "desconto",
            "parcel*",
            "expensive",
            "price",
            "prices",
            "pricey",
            "discount",
            "afford*",
            "too much",
        ],
    ),
    (
        Objection::Distance,
        &[
            "longe",
            "distancia",
            "distante",
            "transito",
            "far",
            "distance",
            "traffic",
            "commute",
        ],
    ),
    (
        Objection::Fear,
        &[
            "medo", "dor", "doer", "doi", "dolorido", "ansios*", "nervos*", "receio", "pavor",
            "afraid", "scared", "fear", "pain", "painful", "hurt", "hurts", "anxious", "nervous",
        ],
    ),
    // Plain "horário" is not here: nearly every booking message has it (it is a topic).
    (
        Objection::Schedule,
        &[
            "nao consigo",
            "nao posso",
            "sem tempo",
            "correria",
            "trabalho",
            "trabalhando",
            "minha agenda",
            "agenda cheia",
            "agenda apertada",
            "horario complicado",
            "horario ruim",
            "busy",
            "my schedule",
            "tight schedule",
            "at work",
            "my work",
            "working",
            "no time",
        ],
    ),
];

/// Preferences, in the order they are reported (professionals come after these).
pub(super) const PREFERENCES: &[(Preference, &[&str])] = &[
    (
        Preference::Morning,
        &[
            "manha", "manhas", "cedo", "cedinho", "morning", "mornings", "early",
        ],
    ),
    (
        Preference::Afternoon,
        &["tarde", "tardes", "afternoon", "afternoons"],
    ),
    (
        Preference::Evening,
        &[
            "noite",
            "noites",
            "noturno",
            "evening",
            "evenings",
            "at night",
            "nights",
            "after work",
        ],
    ),
    (
        Preference::Whatsapp,
        &[
            "pelo whatsapp",
            "por whatsapp",
            "no whatsapp",
            "via whatsapp",
            "pelo whats",
            "no whats",
            "pelo zap",
            "no zap",
            "on whatsapp",
            "by whatsapp",
            "via whatsapp",
        ],
    ),
    (
        Preference::Audio,
        &[
            "por audio",
            "em audio",
            "mandar audio",
            "mando audio",
            "prefiro audio",
            "voice note",
            "voice notes",
            "voice message",
            "voice messages",
        ],
    ),
    (
        Preference::Call,
        &[
            "me liga",
            "me ligar",
            "prefiro ligacao",
            "por telefone",
            "call me",
            "phone call",
        ],
    ),
    (
        Preference::TextOnly,
        &[
            "nao escuto audio",
            "nao consigo ouvir audio",
            "nao posso ouvir audio",
            "sem audio",
            "prefiro texto",
            "por escrito",
            "no audio",
            "text only",
            "prefer text",
        ],
    ),
];

/// Topics, in the order they are reported.
pub(super) const TOPICS: &[(Topic, &[&str])] = &[
    (
        Topic::Scheduling,
        &[
            "agendar",
            "agendamento",
            "marcar",
            "marcacao",
            "horario",
            "horarios",
            "vaga",
            "vagas",
            "disponibilidade",
            "disponivel",
            "book",
            "booking",
            "appointment",
            "schedule",
            "available",
            "availability",
            "slot",
            "slots",
        ],
    ),
    (
        Topic::Rescheduling,
        &[
            "remarc*",
            "reagend*",
            "adiar",
            "mudar o horario",
            "trocar o horario",
            "reschedul*",
            "postpone",
        ],
    ),
    (Topic::Cancellation, &["cancel*", "desmarc*"]),
    (Topic::Confirmation, &["confirm*"]),
    (
        Topic::Price,
        &[
            "preco",
            "precos",
            "valor",
            "valores",
            "quanto custa",
            "orcamento",
            "pagamento",
            "pagar",
            "pix",
            "cartao",
            "parcel*",
            "desconto",
            "price",
            "prices",
            "cost",
            "how much",
            "payment",
            "pay",
            "quote",
            "discount",
        ],
    ),
    (
        Topic::Results,
        &[
            "resultado",
            "resultados",
            "exame",
            "exames",
            "laudo",
            "result",
            "results",
            "exam",
        ],
    ),
    (
        Topic::Treatment,
        &[
            "tratamento",
            "procedimento",
            "retorno",
            "revisao",
            "pos operatorio",
            "treatment",
            "procedure",
            "follow up",
            "checkup",
        ],
    ),
    (
        Topic::Location,
        &[
            "endereco",
            "onde fica",
            "localizacao",
            "estacionamento",
            "como chegar",
            "address",
            "location",
            "parking",
            "directions",
        ],
    ),
    (
        Topic::Insurance,
        &[
            "convenio",
            "plano de saude",
            "reembolso",
            "insurance",
            "reimburs*",
        ],
    ),
];

/// The patient is calling an appointment off (weighs twice as much as rescheduling).
pub(super) const CANCELLATION: &[&str] = &[
    "desmarc*",
    "cancel*",
    "nao vou poder",
    "nao vou conseguir",
    "nao poderei",
    "nao posso ir",
    "can t make it",
    "cant make it",
    "won t be able",
    "wont be able",
    "can t come",
    "cannot come",
    "not coming",
];

/// The patient wants to move an appointment.
pub(super) const RESCHEDULING: &[&str] = &[
    "remarc*",
    "reagend*",
    "adiar",
    "outro dia",
    "reschedul*",
    "postpone",
    "move my appointment",
];
