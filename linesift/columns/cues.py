"""Boilerplate cue words of many languages, counted per concept as dense features.

The training pages are mostly English, so the word n-gram weights know that "Advertisement",
"Share" or "Subscribe to our newsletter" mark boilerplate, but not that "Publicité",
"Udostępnij", "Rejoignez" or "Подпишитесь" do. Each cue word belongs to a concept (ad, share,
subscribe, call to action, ...), and :class:`CueWords` counts a line's hits per concept: a weight
learned on "Subscribe" or "Join our premium" in English applies to the same concept in every
language listed, while each word keeps its own n-gram weight.

Only words that are rarely ordinary prose in any language go in: not "more" or "next", and
not a word that means something everyday in another language (Italian "quelle", "leggi";
Russian "главная"; Dutch "volgende"). CJK words are not covered: their tokens are single
characters.
"""

from functools import lru_cache

import numpy as np

from .._kernels import sorted_lookup, window_means
from .tokens import first_tokens, string_hashes

CUES = {
    "ad": """advertisement advertisements advertising advert adverts ads sponsored
        anzeige anzeigen werbung publicité publicite publicidad anuncio anuncios pubblicità
        publicidade reklama reklamy реклама рекламы διαφήμιση διαφημίσεις advertentie
        advertenties mainos reklam reklame hirdetés oglas oglasi publicitat inzerce""",
    "share": """share teilen partager partagez compartir compartilhar compartilhe condividi
        udostępnij podziel поделиться поделитесь κοινοποίηση μοιραστείτε sdílet
        podijeli paylaş jaa tweet tweeten retweet facebook twitter whatsapp linkedin pinterest
        telegram instagram youtube reddit tumblr xing vk вконтакте email""",
    "subscribe": """subscribe subscription subscribers newsletter newsletters abonnieren
        abonnement abonnez abonner suscríbete suscribirse suscripción boletín iscriviti
        abbonati abbonamento assine assinatura subskrybuj subskrypcja subskrypcji
        prenumerata prenumeruj newslettera подписаться подпишитесь подписка рассылка
        εγγραφείτε συνδρομή newsletterul abonneer prenumerera abone odebírat
        pretplata pretplatite""",
    "login": """login logout signin signup register registration anmelden abmelden
        registrieren anmeldung connexion déconnexion inscription registrarse regístrate
        accedi registrati cadastre cadastrar zaloguj zarejestruj logowanie rejestracja
        войти вход регистрация зарегистрироваться σύνδεση εγγραφή inloggen registreren
        kirjaudu rekisteröidy logga registrera přihlásit registrace prijava registracija
        password passwort hasło пароль""",
    "privacy": """cookie cookies privacy datenschutz datenschutzerklärung confidentialité
        privacidad privacidade riservatezza prywatności prywatność конфиденциальности
        конфиденциальность απορρήτου απόρρητο gdpr rodo dsgvo rgpd impressum imprint agb
        cgu regulamin privacybeleid tietosuoja integritetspolicy gizlilik soukromí
        privatnost privatnosti terms nutzungsbedingungen όροι""",
    "read": """related readmore weiterlesen czytaj читайте читать διαβάστε leia
        lees läs čtěte pročitajte pročitaj lesen lisez""",
    "photo": """photo photos foto fotos fot photograph fotografie фото фотография
        φωτογραφία zdjęcie zdjęcia getty gettyimages reuters afp dpa shutterstock pixabay
        unsplash istock istockphoto pap tass ansa efe keystone imago źródło источник
        πηγή fuente fonte kaynak lähde källa""",
    "comments": """comments kommentare kommentar kommentieren commentaires commentaire
        commenter comentarios comentario comentar commenti commento commenta comentários
        comentário komentarze komentarz komentarzy skomentuj комментарии комментарий
        комментариев σχόλια σχόλιο reacties reactie kommentit kommentarer yorumlar yorum
        komentáře komentari komentara reply replies antworten répondre responder rispondi
        odpowiedz odpowiedź ответить απάντηση quote zitieren citer citar cytuj цитировать""",
    "nav": """home homepage startseite accueil αρχική menu menü меню μενού navigation
        sitemap breadcrumb previous prev vorherige nächste suivant précédent następna
        następny poprzednia poprzedni следующая предыдущая επόμενο προηγούμενο vorige nästa
        föregående""",
    "tags": """tags tagged schlagwörter schlagworte stichwörter étiquettes etiquetas tagi
        tagów теги метки ετικέτες categories category kategorie kategorien catégorie
        catégories categoría categorías categoria categorie kategoria kategorii рубрика
        рубрики категория κατηγορία κατηγορίες categorieën luokat kategorier kategoriler
        kategorije archive archives archiv archiwum архив""",
    "rights": """copyright reserved vorbehalten réservés reservados riservati zastrzeżone
        защищены κατοχυρωμένα voorbehouden pidätetään förbehållna saklıdır vyhrazena
        pridržana urheberrecht""",
    "contact": """contact kontakt contacto contatti contato contattaci контакты επικοινωνία
        faq""",
}
"""Concept -> cue words (lower case, whitespace-separated), from the usual labels of ad slots,
share bars, newsletter and login prompts, cookie and legal notices, "read also" links, photo
credits, comment widgets, navigation, tag lists and footers."""

CALL_TO_ACTION = {
    "cta": """join discover explore unlock upgrade download install subscribe signup
        register click tap rejoignez rejoindre découvrez découvrir accédez lancez abonnez
        inscrivez téléchargez essayez profitez cliquez entdecken entdecke abonnieren
        herunterladen registrieren descubre descubra únete accede suscríbete descarga
        regístrate scopri iscriviti accedi scarica abbonati junte acesse assine baixe
        cadastre odkryj dołącz zapisz pobierz zarejestruj subskrybuj узнайте присоединяйтесь
        подпишитесь скачайте зарегистрируйтесь откройте ανακαλύψτε εγγραφείτε κατεβάστε
        ontdek abonneer download""",
    "promo": """exclusive exclusives exclusif exclusifs exclusivité premium offer offers
        offre offres gratuit gratuite gratuitement unlimited illimité exklusiv exklusive
        kostenlos gratis angebot angebote exclusivo exclusiva oferta ofertas gratuito
        esclusivo esclusiva offerta gratuito ekskluzywne ekskluzywny bezpłatnie darmowy
        promocja oferta эксклюзив эксклюзивные бесплатно акция предложение αποκλειστικά
        δωρεάν προσφορά""",
}
"""Two more concepts: calls to action (imperatives that invite the reader to join, discover,
download or sign up) and promotion words."""

CUE_TOKENS = 24
"""Tokens at the start of a line that are looked up: cue words open a prompt or a label."""
CUE_WINDOW = 2
"""Half-width of the in-page window over the cue share (promotion blocks span lines)."""


@lru_cache(maxsize=1)
def _cue_table():
    """(sorted token hashes of every cue word, the concept index of each, concept names)."""
    concepts = {**CUES, **CALL_TO_ACTION}
    words, index = [], []
    for k, text in enumerate(concepts.values()):
        for word in text.split():
            words.append(word)
            index.append(k)
    hashes, first = np.unique(string_hashes(words), return_index=True)
    return hashes, np.asarray(index)[first], list(concepts)


def cue_names():
    _, _, concepts = _cue_table()
    return [f"cue_{c}" for c in concepts] + ["cue_token_share", "cue_first",
                                             f"cue_win{CUE_WINDOW}_token_share"]


def cue_columns(hashes, counts, pages):
    """:func:`cue_names`' columns of each line from its tokens (``(hashes, counts)``) and page
    codes: ``cue_<concept>`` (log1p of the line's hits of that concept among its first
    CUE_TOKENS tokens), ``cue_token_share`` (share of those tokens that are cue words),
    ``cue_first`` (the line starts with a cue word: "Abonnez-vous ...", "Subscribe ...") and
    ``cue_win2_token_share`` (the share averaged over the lines within 2 in the page)."""
    table, concept_of, concepts = _cue_table()
    n_lines = len(counts)
    hashes, n = first_tokens(hashes, counts, CUE_TOKENS)
    line_of = np.repeat(np.arange(len(n)), n)
    at = sorted_lookup(table, hashes)
    hit = at >= 0
    block = np.zeros((len(concepts), n_lines))
    np.add.at(block, (concept_of[at[hit]], line_of[hit]), 1.0)
    share = block.sum(axis=0) / np.maximum(n, 1)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    first = np.zeros(n_lines)
    has = n > 0
    first[has] = hit[starts[has]]
    window = window_means(share[:, None], pages, [CUE_WINDOW])[0][:, 0]
    return [*np.log1p(block), share, first, window]
