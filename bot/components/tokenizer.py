"""``NormalizingJiebaTokenizer``: Rasa's JiebaTokenizer over length-preserving normalised text.

Rasa's NLU sees the raw message while the app normalises before retrieval, so 高企認定
(traditional) and ＤＸＥ… (full-width) produced character n-grams the training data never
had and a traditional-character question ended up as out_of_scope. This tokenizer cuts
:func:`bot.components.normalization.normalize_preserving_length` of the text with jieba
(so the dictionary terms of bot/jieba_dict match in traditional spellings too) and emits
tokens whose **text** is normalised and whose **offsets** are those of the raw text (the
normalisation keeps the length), so the entity annotations of the training data, the
RegexFeaturizer's lookup matches and the extracted entity values (taken from the raw
text, then mapped by the synonyms) are unaffected.

config.yml::

    - name: bot.components.tokenizer.NormalizingJiebaTokenizer
      dictionary_path: bot/jieba_dict
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.components.normalization import normalize_preserving_length

_SOURCES = (Path(__file__), Path(__file__).with_name("normalization.py"))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class NormalizingJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer whose tokens carry normalised text at the raw text's offsets."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """JiebaTokenizer's options, plus whether to lower-case Latin letters."""
        return {**JiebaTokenizer.get_default_config(), "lowercase": True}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """The normalisation code, so Rasa's training cache notices a change to it."""
        digest = hashlib.sha256()
        for source in _SOURCES:
            digest.update(source.read_bytes())
        return digest.hexdigest()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenizes the normalised text of ``attribute``; offsets refer to the raw text."""
        import jieba

        text = normalize_preserving_length(message.get(attribute),
                                           lowercase=self._config["lowercase"])
        tokens = [Token(word, start) for (word, start, _end) in jieba.tokenize(text)]
        return self._apply_token_pattern(tokens)
