"""Finding hospitals by what a patient types. Pure: an in-memory index over names and places.

A hospital matches a query in one of these tiers, best first:

    EXACT        the name, without "โรงพยาบาล", is the query         "ศิริราช"
    PREFIX       the name starts with the query                       "รามา", "รพ ปทุม"
    CONTAINS     the name contains the query (or each of its words)   "อยุธยา"
    PLACE        the query names the hospital's province or district  "ปทุมธานี"
    FUZZY        the name contains the query give or take a few slips "ศิรราช"
    FUZZY_PLACE  the query is a misspelt province                      "ปทุมทานี"

A query that names a place and something else ("ศิริราช กรุงเทพ", "รพ.สต. บ้านคลอง
ลำลูกกา") is also matched as "that name within that place". Hospitals the patient used
before come first whenever they match at all; then tier, number of slips, the kind she
asked for (a รพ.สต. when she typed "รพ.สต."), hospitals before รพ.สต., shorter names.

Only substrings and slips are compared, never every name with every query: bigram indexes
narrow the candidates (for slips, by the q-gram lemma: a name within k edits of a query of
n distinct bigrams shares at least n - 2k of them), so a query over 12,000 names stays
in single-digit milliseconds.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from moph_connect.hospitals.provinces import (
    PROVINCE_NAMES,
    place_text,
    province_key,
    province_spellings,
)
from moph_connect.hospitals.query import Query, allowed_slips, parse_query, split_kind
from moph_connect.hospitals.thai import (
    HOSPITAL,
    RPST,
    Kind,
    fold,
    levenshtein,
    sort_key,
    substring_distance,
    words,
)

# Below this many hospitals (one province, her own hospitals), checking each for slips is
# quicker than consulting the bigram index.
SMALL_SCOPE = 500

Best = dict[int, tuple["Tier", int]]  # entry number -> its best (tier, slips) so far


class Tier(IntEnum):
    EXACT = 0
    PREFIX = 1
    CONTAINS = 2
    PLACE = 3
    FUZZY = 4
    FUZZY_PLACE = 5


@dataclass(frozen=True, slots=True)
class Listing:
    """A hospital as the matcher sees it."""

    hospital_id: str
    name: str
    province: str | None
    district: str | None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass(frozen=True, slots=True)
class _Entry:
    hospital_id: str
    name: str
    kind: Kind
    compact: str  # the normalised name without spaces
    core: str  # ... and without its generic prefix
    fold_id: int  # its core, spelling-blind, in HospitalIndex._folds (รพ.สต. names repeat)
    sort_name: str  # the name in Thai dictionary order


@dataclass
class _Building:
    """What HospitalIndex gathers while it reads the listings, before freezing it."""

    fold_ids: dict[str, int] = field(default_factory=dict)
    grams: dict[str, list[int]] = field(default_factory=dict)
    generic: dict[str, list[int]] = field(default_factory=dict)
    provinces: dict[str, list[int]] = field(default_factory=dict)
    districts: dict[str, list[int]] = field(default_factory=dict)
    place_keys: dict[tuple[bool, str], str] = field(default_factory=dict)  # a few hundred


class HospitalIndex:
    """Every hospital's name and place, ready to be searched. Immutable once built."""

    def __init__(self, listings: Iterable[Listing]) -> None:
        self._entries: list[_Entry] = []
        self._numbers: dict[str, int] = {}
        self._folds: list[str] = []
        self._fold_entries: list[list[int]] = []
        building = _Building()
        for listing in listings:
            self._add(listing, building)
        self._grams = {gram: frozenset(numbers) for gram, numbers in building.grams.items()}
        for prefix, numbers in building.generic.items():
            shared = frozenset(numbers)
            for gram in _bigrams(prefix):
                self._grams[gram] = self._grams.get(gram, frozenset()) | shared
        self._fold_grams: dict[str, list[int]] = {}
        for fold_id, folded in enumerate(self._folds):
            for gram in _bigrams(folded):
                self._fold_grams.setdefault(gram, []).append(fold_id)
        self._by_province = {k: frozenset(v) for k, v in building.provinces.items()}
        self._by_district = {k: frozenset(v) for k, v in building.districts.items()}
        self._province_folds = [
            (fold(spelling), official)
            for spelling, official in province_spellings().items()
            if official in self._by_province
        ]
        # For a query that is only "รพ.สต." or "โรงพยาบาล": every hospital of a kind, by name.
        self._by_kind = sorted(
            range(len(self._entries)),
            key=lambda n: (self._entries[n].kind, self._entries[n].sort_name),
        )
        self._by_kind_position = {number: i for i, number in enumerate(self._by_kind)}

    def _add(self, listing: Listing, building: _Building) -> None:
        number = len(self._entries)
        found = words(listing.name)
        kind, rest = split_kind(found, query=False)
        core = "".join(rest)
        compact = "".join(found)
        folded = fold(core)
        fold_id = building.fold_ids.setdefault(folded, len(self._folds))
        if fold_id == len(self._folds):
            self._folds.append(folded)
            self._fold_entries.append([])
        self._fold_entries[fold_id].append(number)
        self._entries.append(
            _Entry(
                listing.hospital_id,
                listing.name,
                Kind.OTHER if kind is None else kind,
                compact,
                core,
                fold_id,
                sort_key(listing.name),
            )
        )
        self._numbers[listing.hospital_id] = number
        # 10,000 names start with the same 28 letters (โรงพยาบาลส่งเสริมสุขภาพตำบล): their
        # bigrams are indexed once per prefix, not once per name, which halves the build.
        prefix = compact[: len(compact) - len(core)] if compact.endswith(core) else ""
        if prefix in (RPST, HOSPITAL):
            building.generic.setdefault(prefix, []).append(number)
            indexed = compact[len(prefix) - 1 :]  # from the letter before the core on
        else:
            indexed = compact
        for gram in _bigrams(indexed):
            building.grams.setdefault(gram, []).append(number)
        for is_district, value, places in (
            (False, listing.province, building.provinces),
            (True, listing.district, building.districts),
        ):
            if value:
                key = building.place_keys.get((is_district, value))
                if key is None:
                    key = place_text(value) if is_district else province_key(value)
                    building.place_keys[(is_district, value)] = key
                places.setdefault(key, []).append(number)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, text: str, *, limit: int, preferred: Collection[str] = ()) -> list[str]:
        """Ids of the best `limit` hospitals for `text`, best first (see the module doc)."""
        query = parse_query(text)
        if query is None or limit <= 0:
            return []
        if not query.core:
            return self._of_kind(query.kind, limit, preferred)
        best: Best = {}
        self._match_exactly(query.kind, query.core, None, best)
        if len(query.words) > 1:
            self._match_every_word(query, best)
        places = [(word, self._place(word)) for word in query.words]
        in_places = [numbers for _, numbers in places if numbers is not None]
        universe = frozenset.intersection(*in_places) if in_places else None
        name = "".join(word for word, numbers in places if numbers is None)
        if universe is not None:
            if name:
                self._match_exactly(query.kind, name, universe, best)
            else:
                for number in universe:
                    _offer(best, number, Tier.PLACE, 0)
        # A slip ranks below every exact match: once `limit` of those are found, only her
        # own hospitals (which come first however they match) still need the slower check.
        scope = None if len(best) < limit else self._numbers_of(preferred)
        if scope is None or scope:
            self._match_with_slips(query.core, scope, best)
            if universe is not None and name:
                self._match_with_slips(name, universe if scope is None else universe & scope, best)
            if universe is None:
                self._match_misspelt_province(query.core, scope, best)
        return self._ranked(best, query.kind, limit, preferred)

    def in_province(
        self, province: str, *, limit: int, preferred: Collection[str] = ()
    ) -> list[str]:
        """Ids of hospitals in `province` (any spelling): used ones, hospitals, then by name."""
        numbers = self._by_province.get(province_key(province), frozenset())
        best: Best = dict.fromkeys(numbers, (Tier.PLACE, 0))
        return self._ranked(best, None, limit, preferred, shortest_first=False)

    def _of_kind(self, kind: Kind | None, limit: int, preferred: Collection[str]) -> list[str]:
        """A query that is only "รพ.สต." or "โรงพยาบาล": her hospitals, then that kind by name."""
        if kind is None:
            return []
        own = sorted(
            self._numbers_of(preferred),
            key=lambda n: (self._entries[n].kind != kind, self._by_kind_position[n]),
        )
        chosen = own[:limit]
        for wanted in (True, False):
            for number in self._by_kind:
                if len(chosen) >= limit:
                    break
                if (self._entries[number].kind == kind) == wanted and number not in own:
                    chosen.append(number)
        return [self._entries[number].hospital_id for number in chosen]

    def _numbers_of(self, hospital_ids: Collection[str]) -> frozenset[int]:
        return frozenset(self._numbers[i] for i in hospital_ids if i in self._numbers)

    def _ranked(
        self,
        best: Best,
        kind: Kind | None,
        limit: int,
        preferred: Collection[str],
        *,
        shortest_first: bool = True,
    ) -> list[str]:
        if limit <= 0:
            return []
        preferred = frozenset(preferred)

        def order(item: tuple[int, tuple[Tier, int]]) -> tuple[object, ...]:
            entry = self._entries[item[0]]
            tier, slips = item[1]
            return (
                entry.hospital_id not in preferred,
                tier,
                slips,
                kind is not None and entry.kind != kind,
                entry.kind,
                len(entry.core) if shortest_first else 0,
                entry.sort_name,
                entry.hospital_id,
            )

        ranked = heapq.nsmallest(limit, best.items(), key=order)
        return [self._entries[number].hospital_id for number, _ in ranked]

    def _match_exactly(
        self, kind: Kind | None, core: str, universe: frozenset[int] | None, best: Best
    ) -> None:
        """The EXACT, PREFIX and CONTAINS tiers."""
        if not core:
            return
        for number in self._containing(core, universe):
            entry = self._entries[number]
            if entry.core == core:
                tier = Tier.EXACT
            elif entry.core.startswith(core) or entry.compact.startswith(core):
                tier = Tier.PREFIX
            else:
                tier = Tier.CONTAINS
            self._offer_kind(best, number, tier, kind)

    def _offer_kind(self, best: Best, number: int, tier: Tier, kind: Kind | None) -> None:
        # A hospital of another kind than asked for is one tier worse: "รพ.สต. บ้านคลอง"
        # wants the รพ.สต. before a โรงพยาบาลบ้านคลอง, but still shows the latter.
        if kind is not None and self._entries[number].kind != kind:
            tier = Tier(tier + 1)
        _offer(best, number, tier, 0)

    def _match_every_word(self, query: Query, best: Best) -> None:
        """Names containing every word of the query, in any order ("ธานี ปทุม")."""
        universe: frozenset[int] | None = None
        for word in query.words:
            universe = frozenset(self._containing(word, universe))
            if not universe:
                return
        for number in universe or ():
            self._offer_kind(best, number, Tier.CONTAINS, query.kind)

    def _containing(self, text: str, universe: frozenset[int] | None) -> list[int]:
        """Entries whose compact name contains `text`."""
        pool: Iterable[int]
        if len(text) < 2:
            pool = range(len(self._entries)) if universe is None else universe
        else:
            postings = sorted(
                (self._grams.get(gram, frozenset()) for gram in _bigrams(text)), key=len
            )
            found = set(postings[0])
            for numbers in postings[1:]:
                found &= numbers
                if not found:
                    return []
            pool = found if universe is None else found & universe
        return [number for number in pool if text in self._entries[number].compact]

    def _match_with_slips(self, core: str, scope: frozenset[int] | None, best: Best) -> None:
        """The FUZZY tier: names containing `core` give or take `allowed_slips` edits."""
        folded = fold(core)
        if len(folded) < 2:
            return
        slips = allowed_slips(len(folded))
        if scope is not None and len(scope) <= SMALL_SCOPE:
            distances: dict[int, int] = {}
            for number in scope:
                fold_id = self._entries[number].fold_id
                if fold_id not in distances:
                    distances[fold_id] = substring_distance(folded, self._folds[fold_id])
                if distances[fold_id] <= slips:
                    _offer(best, number, Tier.FUZZY, distances[fold_id])
            return
        # Pigeonhole: with k slips, one of k + 1 pieces of the query survives intact. Testing
        # that with `in` costs little next to an edit distance in pure Python.
        size = len(folded) // (slips + 1)
        pieces = [folded[i * size : (i + 1) * size] for i in range(slips)]
        pieces.append(folded[slips * size :])
        for fold_id in self._near(folded, slips):
            text = self._folds[fold_id]
            if not any(piece in text for piece in pieces):
                continue
            distance = substring_distance(folded, text)
            if distance <= slips:
                for number in self._fold_entries[fold_id]:
                    if scope is None or number in scope:
                        _offer(best, number, Tier.FUZZY, distance)

    def _near(self, folded: str, slips: int) -> Iterable[int]:
        """Folded names that may contain `folded` within `slips` edits (a superset)."""
        grams = _bigrams(folded)
        needed = len(grams) - 2 * slips
        shortest = len(folded) - slips
        candidates: Iterable[int]
        if needed <= 0:
            candidates = range(len(self._folds))
        else:
            counts: Counter[int] = Counter()
            for gram in grams:
                counts.update(self._fold_grams.get(gram, ()))
            candidates = (fold_id for fold_id, count in counts.items() if count >= needed)
        return (fold_id for fold_id in candidates if len(self._folds[fold_id]) >= shortest)

    def _place(self, word: str) -> frozenset[int] | None:
        """Entries in the province or district `word` names; None if it names no place."""
        province = province_key(word)
        district = place_text(word)
        in_province = self._by_province.get(province)
        in_district = self._by_district.get(district)
        if in_province is None and in_district is None:
            # A real province with no hospital registered yet is still a place.
            return frozenset() if province in PROVINCE_NAMES else None
        return (in_province or frozenset()) | (in_district or frozenset())

    def _match_misspelt_province(self, core: str, scope: frozenset[int] | None, best: Best) -> None:
        """The FUZZY_PLACE tier: "ปทุมทานี" is Pathum Thani."""
        folded = fold(core)
        slips = allowed_slips(len(folded))
        if not slips:
            return
        closest: dict[str, int] = {}
        for spelling, official in self._province_folds:
            distance = levenshtein(folded, spelling, slips)
            if distance <= slips and distance < closest.get(official, slips + 1):
                closest[official] = distance
        for official, distance in closest.items():
            numbers = self._by_province[official]
            for number in numbers if scope is None else numbers & scope:
                _offer(best, number, Tier.FUZZY_PLACE, distance)


def _offer(best: dict[int, tuple[Tier, int]], number: int, tier: Tier, slips: int) -> None:
    if number not in best or (tier, slips) < best[number]:
        best[number] = (tier, slips)
