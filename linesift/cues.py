"""Boilerplate cue words in many languages, each mapped to one shared concept.

The training pages are mostly English, so the hashed n-gram weights know that "Advertisement",
"Share", "Subscribe to our newsletter" or "Photo: Reuters" mark boilerplate, but not that
"Publicité", "Udostępnij", "Подпишитесь" or "Fot. PAP" do. Before hashing, a cue word of any
language is replaced by its concept's token (``"publicité"`` -> ``"§ad"``), so every language
shares the weight learned for the concept: the model transfers what it learned on English ads
and share bars to languages it never saw labelled.

Only words that are rarely ordinary prose in any language go in: not "more" or "next", and
not a word that means something everyday in another language (Italian "quelle", "leggi";
Russian "главная"; Dutch "volgende"). CJK words are not covered: their tokens are single
characters.
"""

from functools import lru_cache

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


@lru_cache(maxsize=1)
def cue_concepts():
    """Cue word -> its concept's token, e.g. ``"publicité"`` -> ``"§ad"``."""
    return {word: f"§{concept}" for concept, words in CUES.items() for word in words.split()}
