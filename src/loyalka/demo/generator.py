"""A deterministic generator of a believable B2B purchase history for a textile distributor.

The history imitates the client base of seed ``000`` (an interior-textile distributor whose clients are
salons, fabric shops and private designers): about 7,500 RUB of purchases per buying client a month,
with most clients (more than 60 %) buying for less than that, and a loyalty program launched in month
``launch_month``. It is pure: no database, no files, no clock; ``random.Random(seed)`` only, so the same
arguments always give the same :class:`History`.

How the history is made (all numbers are the generator's, chosen to look like the seed's case):

* Companies: about 45 % salons, 35 % shops, 20 % private designers. Most are clients from month 0, the
  rest join later, one by one, so the base grows. Salons and shops are organisations (10-digit INN),
  designers are individual entrepreneurs or self-employed (12-digit INN); both kinds of INN carry valid
  check digits. Regions are weighted roughly by population, Moscow the largest; each region has its
  sales manager (eight in all).
* Spend: each company has a usual monthly spend drawn from a lognormal distribution (segment-dependent
  median), multiplied every month by a seasonal factor (weak summer, strong September-December, a
  January dip) and by a lognormal month-to-month noise with mean 1. A month's spend is at least 300 RUB
  and is split into 1-4 orders (bigger clients place more), each at least 300 RUB, in kopecks.
* Frequency: a company does not buy every month; its monthly purchase probability depends on the segment
  (about 0.55 for designers to 0.85 for salons) and a little on the season. A new client buys in its
  first month.
* Churn: every month after its first, a client leaves for good with a small segment-dependent probability
  (2 % salons, 2.5 % shops, 3 % designers).
* Order times: Europe/Moscow, working days mostly (a few orders fall on weekends), 9:00-19:00.

**Behavioural assumption of the program's effect** (``uplift=True``). This is an *assumption of the
generator*, made so that a demo has something to show; it is not a result of the Loyalka engine and
proves nothing about any real program. From ``launch_month`` on:

* half of the companies (drawn once per company) are *responders*: in a month whose usual spend (usual
  monthly level x season) is between 5,000 and 9,000 RUB, i.e. just under the program's 9,000 RUB stay
  threshold, a responder raises the month to a target drawn uniformly in [9,000, 12,000] RUB and buys
  that month with probability at least 0.85 (to stay in the program);
* every other company-month gets a +10 % lift of its spend;
* the monthly churn probability is multiplied by 0.55.

With ``uplift=False`` the behaviour after launch is the same as before it. The random draws are laid out
so that both settings give the same companies and the same orders before ``launch_month``.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from zoneinfo import ZoneInfo

from loyalka.domain.inn import is_valid_inn, make_inn10

MOSCOW = ZoneInfo("Europe/Moscow")

# Check-digit weights of a 12-digit (individual) INN, as in loyalka.domain.inn.
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

SEGMENTS = ("salon", "shop", "designer")
SEGMENT_WEIGHTS = (0.45, 0.35, 0.20)
INDUSTRY = {
    "salon": "Салон интерьерного текстиля",
    "shop": "Магазин тканей",
    "designer": "Частный дизайнер",
}
CATEGORIES = ("curtain_fabric", "upholstery", "accessories", "bed_linen", "tulle")
_CATEGORY_WEIGHTS = {
    "salon": (40, 12, 13, 5, 30),
    "shop": (28, 20, 17, 20, 15),
    "designer": (35, 35, 12, 3, 15),
}
_CATEGORY_CUM = {segment: tuple(accumulate(w)) for segment, w in _CATEGORY_WEIGHTS.items()}

# Usual monthly spend (RUB): lognormal median = _BASE_MEDIAN_RUB * segment factor, company sigma below.
_BASE_MEDIAN_RUB = 5_600.0
_SEGMENT_MEDIAN = {"salon": 1.12, "shop": 1.0, "designer": 0.78}
_COMPANY_SIGMA = 0.75
_MONTH_SIGMA = 0.35
_MIN_MONTH_RUB = 300
_MIN_ORDER_MINOR = 300_00

_BUY_PROBABILITY = {"salon": 0.85, "shop": 0.72, "designer": 0.55}
_CHURN = {"salon": 0.020, "shop": 0.025, "designer": 0.030}
_INITIAL_SHARE = 0.6  # share of companies that are clients from month 0

# Seasonal factor by calendar month (1..12): weak summer, strong autumn and December, a January dip.
SEASON = (0.85, 0.95, 1.05, 1.0, 0.95, 0.8, 0.78, 0.82, 1.15, 1.2, 1.22, 1.25)

# The program's effect (an assumption of the generator, see the module docstring).
UPLIFT_BAND_RUB = (5_000.0, 9_000.0)
UPLIFT_TARGET_RUB = (9_000.0, 12_000.0)
UPLIFT_RESPONDER_SHARE = 0.5
UPLIFT_RESPONDER_BUY_PROBABILITY = 0.85
UPLIFT_OTHER_LIFT = 1.10
UPLIFT_CHURN_FACTOR = 0.55

# region, population weight (millions, roughly), INN region code, city, manager
_REGIONS = (
    ("Москва", 13.1, "77", "Москва", "Орлова Марина Викторовна"),
    ("Санкт-Петербург", 5.6, "78", "Санкт-Петербург", "Тихонов Павел Сергеевич"),
    ("Московская область", 8.6, "50", "Химки", "Белова Светлана Игоревна"),
    ("Краснодарский край", 5.8, "23", "Краснодар", "Зайцева Ольга Александровна"),
    ("Свердловская область", 4.2, "66", "Екатеринбург", "Романов Денис Олегович"),
    ("Ростовская область", 4.1, "61", "Ростов-на-Дону", "Зайцева Ольга Александровна"),
    ("Республика Башкортостан", 4.0, "02", "Уфа", "Фёдорова Елена Михайловна"),
    ("Республика Татарстан", 4.0, "16", "Казань", "Фёдорова Елена Михайловна"),
    ("Нижегородская область", 3.1, "52", "Нижний Новгород", "Тихонов Павел Сергеевич"),
    ("Самарская область", 3.1, "63", "Самара", "Фёдорова Елена Михайловна"),
    ("Челябинская область", 3.4, "74", "Челябинск", "Романов Денис Олегович"),
    ("Новосибирская область", 2.8, "54", "Новосибирск", "Котов Игорь Владимирович"),
    ("Красноярский край", 2.8, "24", "Красноярск", "Котов Игорь Владимирович"),
    ("Пермский край", 2.5, "59", "Пермь", "Романов Денис Олегович"),
    ("Воронежская область", 2.3, "36", "Воронеж", "Зайцева Ольга Александровна"),
)
_MOSCOW_SECOND_MANAGER = "Гусев Андрей Николаевич"
_REGION_CUM = tuple(accumulate(r[1] for r in _REGIONS))


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(" ".join(w.split()) for w in text.split(sep) if w.strip())


_BRANDS = _words(
    """
    Уют, Ампир, Барокко, Модерн, Гардина, Портьера, Ламбрекен, Карниз, Бархат, Шёлк, Лён, Атлас, Велюр,
    Жаккард, Органза, Вуаль, Домашний очаг, Уютный дом, Мир штор, Мир тканей, Тканевый двор,
    Текстильный ряд, Декор, Интерьер, Палитра, Орнамент, Вернисаж, Элегия, Грация, Акварель, Фиеста,
    Ривьера, Прованс, Сканди, Лофт, Классика, Арт-Декор, Северное сияние, Золотое руно, Белый лебедь,
    Светлица, Горница, Терем, Усадьба, Византия, Венеция, Флоренция, Версаль, Эрмитаж, Тюльпан, Лаванда,
    Жемчуг, Янтарь, Малахит, Сапфир, Изумруд, Корона, Магнолия, Камелия, Шарм, Ажур, Кружево, Батист,
    Габардин, Муслин, Драпировка, Гобелен, Рогожка, Шенилл, Блэкаут, Солнечный дом, Тёплый дом,
    Время штор, Модный интерьер, Ваш стиль, Идеал
    """,
    ",",
)
_COMPOUND_HEAD = ("Текстиль", "Ткани", "Декор", "Интерьер", "Шторы", "Дом", "Стиль", "Текстильторг")
_COMPOUND_TAIL = ("Дом", "Центр", "Маркет", "Сервис", "Плюс", "Люкс", "Трейд", "Опт", "Мастер", "Групп")
_SALON_PATTERNS = (
    "Салон «{b}»",
    "Салон штор «{b}»",
    "Салон интерьерного текстиля «{b}»",
    "Студия штор «{b}»",
    "ООО «{b}»",
)
_SHOP_PATTERNS = (
    "Магазин тканей «{b}»",
    "Магазин «{b}»",
    "ООО «{b}»",
    "ООО «{c}»",
    "Ткани «{b}»",
)

_SURNAMES = _words(
    """
    Смирнов Иванов Кузнецов Соколов Попов Лебедев Козлов Новиков Морозов Петров Волков Соловьёв Васильев
    Зайцев Павлов Семёнов Голубев Виноградов Богданов Воробьёв Фёдоров Михайлов Беляев Тарасов Белов
    Комаров Орлов Киселёв Макаров Андреев Ковалёв Ильин Гусев Титов Кузьмин Кудрявцев Баранов Куликов
    Алексеев Степанов Яковлев Сорокин Сергеев Романов Захаров Борисов Королёв Герасимов Пономарёв
    Григорьев Лазарев Медведев Ершов Никитин Соболев Рябов Поляков Цветков Данилов Жуков Фролов Журавлёв
    Николаев Крылов Максимов Сидоров Осипов Белоусов Федотов Егоров Матвеев Бобров Дмитриев Калинин
    Антонов Тимофеев Никифоров Веселов Филиппов Марков Миронов Александров Коновалов Казаков Ефимов
    Денисов Громов Фомин Давыдов Мельников Щербаков Блинов Колесников Карпов Афанасьев Власов Маслов
    Тихонов Гаврилов Родионов Котов Горбунов Быков Зуев Савельев Панов
    """
)
_MALE_NAMES = _words(
    """
    Александр Алексей Андрей Дмитрий Сергей Михаил Иван Николай Павел Владимир Евгений Игорь Олег Роман
    Артём Максим Денис Константин Виктор
    """
)
_FEMALE_NAMES = _words(
    """
    Анна Елена Ольга Наталья Татьяна Ирина Светлана Мария Екатерина Юлия Марина Галина Людмила Алёна
    Вера Дарья Ксения Анастасия Оксана Надежда
    """
)
_PATRONYMICS = _words(  # male forms; the female form ends in -на instead of -ич
    """
    Александрович Алексеевич Андреевич Дмитриевич Сергеевич Михайлович Иванович Николаевич Павлович
    Владимирович Евгеньевич Игоревич Олегович Викторович Юрьевич Петрович Анатольевич Васильевич
    """
)

# Order hour (9..18, the order is placed before 19:00) weights: a morning peak and an afternoon one.
_HOURS = tuple(range(9, 19))
_HOUR_CUM = tuple(accumulate((6, 9, 10, 10, 6, 8, 9, 8, 7, 4)))
_WEEKEND_WEIGHT = 0.08


@dataclass(frozen=True, slots=True)
class Company:
    code: str
    name: str
    inn: str
    segment: str
    industry: str
    region: str
    manager: str
    first_month: int
    contact_name: str
    contact_email: str
    contact_birthday: date


@dataclass(frozen=True, slots=True)
class Order:
    company_code: str
    order_ref: str
    occurred_at: datetime
    total_minor: int
    category: str


@dataclass(frozen=True, slots=True)
class History:
    companies: list[Company]
    orders: list[Order]
    start: date
    months: int
    launch_month: int


def _add_months(start: date, index: int) -> tuple[int, int]:
    n = start.year * 12 + (start.month - 1) + index
    return n // 12, n % 12 + 1


def month_start(history: History, index: int) -> datetime:
    """The first instant (1st day, 00:00 Europe/Moscow) of month ``index`` of the history."""
    year, month = _add_months(history.start, index)
    return datetime(year, month, 1, tzinfo=MOSCOW)


def _female(surname: str) -> str:
    return surname + "а"  # every surname in the list ends in -ов/-ев/-ёв/-ин


def _person(rng: random.Random, female_share: float) -> tuple[str, str]:
    """(full name "Фамилия Имя Отчество", short "Фамилия И. О.")."""
    surname = rng.choice(_SURNAMES)
    male = rng.choice(_PATRONYMICS)
    female = male[:-2] + "на"
    if rng.random() < female_share:
        surname, first, patronymic = _female(surname), rng.choice(_FEMALE_NAMES), female
    else:
        first, patronymic = rng.choice(_MALE_NAMES), male
    return f"{surname} {first} {patronymic}", f"{surname} {first[0]}. {patronymic[0]}."


def _inn12(digits10: str) -> str:
    d = [int(c) for c in digits10]
    d.append(sum(x * w for x, w in zip(d, _W11, strict=True)) % 11 % 10)
    d.append(sum(x * w for x, w in zip(d, _W12, strict=True)) % 11 % 10)
    return "".join(map(str, d))


def _make_inn(rng: random.Random, region_code: str, individual: bool, taken: set[str]) -> str:
    while True:
        office = f"{rng.randint(1, 51):02d}"
        if individual:
            inn = _inn12(f"{region_code}{office}{rng.randrange(1_000_000):06d}")
        else:
            inn = make_inn10(f"{region_code}{office}{rng.randrange(100_000):05d}")
        if inn not in taken:
            if not is_valid_inn(inn):  # pragma: no cover - guards the check-digit code above
                raise RuntimeError(f"generated an invalid INN {inn}")
            taken.add(inn)
            return inn


def _company_name(rng: random.Random, segment: str, short_person: str) -> str:
    if segment == "designer":
        roll = rng.random()
        if roll < 0.65:
            return f"ИП {short_person}"
        if roll < 0.85:
            return f"Студия дизайна «{rng.choice(_BRANDS)}» (ИП {short_person})"
        return f"Дизайнер {short_person}"
    patterns = _SALON_PATTERNS if segment == "salon" else _SHOP_PATTERNS
    compound = f"{rng.choice(_COMPOUND_HEAD)}-{rng.choice(_COMPOUND_TAIL)}"
    return rng.choice(patterns).format(b=rng.choice(_BRANDS), c=compound)


def _unique_name(name: str, city: str, taken: set[str]) -> str:
    candidate = name if name not in taken else f"{name}, {city}"
    k = 2
    while candidate in taken:
        candidate = f"{name} №{k}, {city}"
        k += 1
    taken.add(candidate)
    return candidate


def _birthday(rng: random.Random) -> date:
    lo, hi = date(1962, 1, 1).toordinal(), date(1999, 12, 31).toordinal()
    return date.fromordinal(rng.randint(lo, hi))


def _first_month(rng: random.Random, months: int) -> int:
    if months == 1 or rng.random() < _INITIAL_SHARE:
        return 0
    return rng.randint(1, months - 1)


def _make_companies(rng: random.Random, count: int, months: int) -> list[Company]:
    companies: list[Company] = []
    inns: set[str] = set()
    names: set[str] = set()
    seg_cum = tuple(accumulate(SEGMENT_WEIGHTS))
    for i in range(count):
        code = f"C{i + 1:05d}"
        segment = rng.choices(SEGMENTS, cum_weights=seg_cum)[0]
        region, _, region_code, city, manager = rng.choices(_REGIONS, cum_weights=_REGION_CUM)[0]
        if region == "Москва" and rng.random() < 0.5:
            manager = _MOSCOW_SECOND_MANAGER
        full, short = _person(rng, female_share=0.75 if segment == "designer" else 0.65)
        companies.append(
            Company(
                code=code,
                name=_unique_name(_company_name(rng, segment, short), city, names),
                inn=_make_inn(rng, region_code, segment == "designer", inns),
                segment=segment,
                industry=INDUSTRY[segment],
                region=region,
                manager=manager,
                first_month=_first_month(rng, months),
                contact_name=full,
                contact_email=f"{code.lower()}@example.ru",
                contact_birthday=_birthday(rng),
            )
        )
    return companies


class _Calendar:
    """Per month of the history: year, month, season factor and weighted days (weekends rarely)."""

    def __init__(self, start: date, months: int) -> None:
        self.year: list[int] = []
        self.month: list[int] = []
        self.season: list[float] = []
        self.days: list[tuple[int, ...]] = []
        self.day_cum: list[tuple[float, ...]] = []
        for index in range(months):
            year, month = _add_months(start, index)
            n_days = monthrange(year, month)[1]
            days = range(1, n_days + 1)
            weights = [_WEEKEND_WEIGHT if date(year, month, d).weekday() >= 5 else 1.0 for d in days]
            self.year.append(year)
            self.month.append(month)
            self.season.append(SEASON[month - 1])
            self.days.append(tuple(days))
            self.day_cum.append(tuple(accumulate(weights)))


def _split(rng: random.Random, total_minor: int, n: int) -> list[int]:
    """``n`` parts of ``total_minor``, each at least the minimum order, summing to the total."""
    weights = [rng.random() + 0.5 for _ in range(n)]
    spare = total_minor - n * _MIN_ORDER_MINOR
    scale = sum(weights)
    parts = [_MIN_ORDER_MINOR + int(spare * w / scale) for w in weights[:-1]]
    parts.append(total_minor - sum(parts))
    return parts


def _company_orders(
    company: Company,
    rng: random.Random,
    cal: _Calendar,
    months: int,
    launch_month: int,
    uplift: bool,
    out: list[tuple[datetime, int, str, int, str]],
    company_index: int,
) -> None:
    segment = company.segment
    median = _BASE_MEDIAN_RUB * _SEGMENT_MEDIAN[segment]
    level = rng.lognormvariate(math.log(median), _COMPANY_SIGMA)  # usual monthly spend, RUB
    buy_p = min(0.97, max(0.2, _BUY_PROBABILITY[segment] + rng.uniform(-0.1, 0.1)))
    responder = rng.random() < UPLIFT_RESPONDER_SHARE
    orders_usual = min(4.0, max(1.0, 1.0 + level / 6_000 + rng.gauss(0.0, 0.4)))
    category_cum = _CATEGORY_CUM[segment]
    main_category = CATEGORIES[bisect_right(category_cum, rng.random() * category_cum[-1])]
    noise_mu = -(_MONTH_SIGMA**2) / 2  # the month noise has mean 1
    code = company.code
    for m in range(company.first_month, months):
        post = uplift and m >= launch_month
        churn_draw = rng.random()
        if m > company.first_month:
            churn = _CHURN[segment] * (UPLIFT_CHURN_FACTOR if post else 1.0)
            if churn_draw < churn:
                return
        season = cal.season[m]
        buy_draw = rng.random()
        noise = rng.lognormvariate(noise_mu, _MONTH_SIGMA)
        target = rng.uniform(*UPLIFT_TARGET_RUB)
        usual = level * season
        in_band = post and responder and UPLIFT_BAND_RUB[0] <= usual <= UPLIFT_BAND_RUB[1]
        p = min(0.97, buy_p * math.sqrt(season))
        if in_band:
            p = max(p, UPLIFT_RESPONDER_BUY_PROBABILITY)
        if (m > company.first_month or m == 0) and buy_draw >= p:
            continue
        amount = usual * noise
        if in_band:
            amount = target
        elif post:
            amount *= UPLIFT_OTHER_LIFT
        total_minor = max(_MIN_MONTH_RUB * 100, round(amount * 100))
        n = int(orders_usual + rng.random())
        n = max(1, min(4, n, total_minor // _MIN_ORDER_MINOR))
        year, month = cal.year[m], cal.month[m]
        days, day_cum = cal.days[m], cal.day_cum[m]
        for part in _split(rng, total_minor, n):
            day = days[bisect_right(day_cum, rng.random() * day_cum[-1])]
            hour = _HOURS[bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])]
            minute, second = divmod(int(rng.random() * 3600), 60)
            at = datetime(year, month, day, hour, minute, second, tzinfo=MOSCOW)
            roll = rng.random()
            if roll < 0.5:
                category = main_category
            else:
                category = CATEGORIES[bisect_right(category_cum, (roll - 0.5) * 2 * category_cum[-1])]
            out.append((at, company_index, code, part, category))


def generate(
    *,
    companies: int = 2000,
    months: int = 24,
    start: date = date(2024, 11, 1),
    launch_month: int = 12,
    seed: int = 2013,
    uplift: bool = True,
) -> History:
    """Generate the history; the same arguments always give an equal :class:`History`."""
    if companies < 1 or months < 1:
        raise ValueError("companies and months must be positive")
    if not 0 <= launch_month <= months:
        raise ValueError("launch_month must be within 0..months")
    start = start.replace(day=1)
    rng = random.Random(seed)
    company_list = _make_companies(rng, companies, months)
    cal = _Calendar(start, months)
    raw: list[tuple[datetime, int, str, int, str]] = []
    for index, company in enumerate(company_list):
        company_rng = random.Random(rng.getrandbits(64))
        _company_orders(company, company_rng, cal, months, launch_month, uplift, raw, index)
    raw.sort(key=lambda r: (r[0], r[1]))
    orders: list[Order] = []
    counters: dict[int, int] = {}
    for at, _, code, total_minor, category in raw:
        counters[at.year] = counters.get(at.year, 0) + 1
        orders.append(Order(code, f"O-{at.year}-{counters[at.year]:05d}", at, total_minor, category))
    return History(companies=company_list, orders=orders, start=start, months=months, launch_month=launch_month)
