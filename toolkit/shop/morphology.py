"""Estonian lemmas from a maintained dictionary: simplemma's, read through a memory-mapped trie.

Snowball's Estonian stemmer leaves most case forms on keys of their own ("mängu", "lapse");
simplemma puts 97 % of a labelled list of forms on their lemma's key, as Vabamorf does, at a
twenty-fifth of its cost (`benchmarks/estonian_morphology.py`). Its dictionary, though, is a
Python dict of 2.7 million forms: 2-5 s and 240 MB to load in every process that searches.
The same dictionary as a MARISA trie is 12 MB on disk and opens in milliseconds (it is
memory-mapped), so the trie is built once per machine (about 7 s) into the user's cache folder
and every later process reads it from there. Its forms and lemmas are folded to ASCII as the
index is ("küünlad" and "kuunlad" -> "kuunal"): shoppers often type without õäöü.

The catalog records `ANALYSER` with its index: a catalog indexed with other keys is
re-indexed when opened (`toolkit.shop.catalog`), never searched with keys that do not meet.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from importlib.metadata import version
from pathlib import Path

from marisa_trie import HUGE_CACHE, BytesTrie
from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries import DefaultDictionaryFactory
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

log = logging.getLogger(__name__)

SIMPLEMMA_VERSION = version("simplemma")
# What the index's Estonian keys are made by: stored with a catalog, compared when it opens.
ANALYSER = f"simplemma-{SIMPLEMMA_VERSION}-folded"
_NOT_KEY = re.compile(r"[^a-z0-9]+")

_lock = threading.Lock()
_lemmatizer: Lemmatizer | None = None


def cache_folder() -> Path:
    """Where the trie is kept: a folder named for `ANALYSER` (another simplemma version builds
    its own) under $TOOLKIT_CACHE, else under $XDG_CACHE_HOME/toolkit (~/.cache/toolkit)."""
    if explicit := os.environ.get("TOOLKIT_CACHE", "").strip():
        return Path(explicit).expanduser() / ANALYSER
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "toolkit" / ANALYSER


def dictionary_ready() -> bool:
    """Whether this machine has the Estonian dictionary built (else the first analysis builds
    it: about 7 s)."""
    return (cache_folder() / "et.dic").exists()


class FoldedTrieFactory(TrieDictionaryFactory):
    """simplemma's trie, with its forms and lemmas folded to the index's letters."""

    def _build_trie(self, lang: str) -> BytesTrie:
        from toolkit.shop.text import fold  # text uses this module; by now both are loaded

        # No cache: the 2.7-million-entry dict is read once here and let go.
        shipped = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(lang)
        lemmas: dict[str, bytes] = {}  # a lemma has many forms: fold it once
        return BytesTrie(
            ((fold(form), lemmas.get(lemma) or lemmas.setdefault(lemma, fold(lemma).encode()))
             for form, lemma in shipped.items()), cache_size=HUGE_CACHE)


def _trie_folder() -> Path | None:
    """The folder holding `et.dic`, built there first if absent; None if it cannot be written
    (the trie is then built in memory, in every process: slower, never wrong)."""
    folder = cache_folder()
    if dictionary_ready():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Built beside its final place and moved there in one step, so that a process opening
        # it meanwhile never reads half a file.
        with tempfile.TemporaryDirectory(dir=folder, prefix=".building-") as building:
            FoldedTrieFactory(disk_cache_dir=building).get_dictionary("et")
            os.replace(Path(building) / "et.dic", folder / "et.dic")
    except OSError as e:
        log.warning("cannot keep the Estonian dictionary in %s (%s): it will be built in memory "
                    "by each process (about 7 s); set TOOLKIT_CACHE to a writable folder",
                    folder, e.strerror or e)
        return None
    return folder


def _get_lemmatizer() -> Lemmatizer:
    global _lemmatizer
    with _lock:
        if _lemmatizer is None:
            folder = _trie_folder()
            factory = (FoldedTrieFactory(disk_cache_dir=str(folder)) if folder
                       else FoldedTrieFactory(use_disk_cache=False))
            _lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(
                dictionary_factory=factory))
        return _lemmatizer


def lemma(folded_word: str) -> str:
    """The lemma of a folded Estonian word ("kuunlad" -> "kuunal"), or the word itself when the
    dictionary does not know it and no rule of simplemma's applies."""
    return _get_lemmatizer().lemmatize(folded_word, lang="et").lower()


def key_letters(text: str) -> str:
    """Only what the index keeps of a key (it splits on anything else)."""
    return _NOT_KEY.sub("", text)
