"""Custom Rasa NLU components of 店小二 (run in .venv-rasa, Python 3.10).

Referenced from config.yml as ``bot.components.<module>.<Class>``; Rasa imports them from
the repo root (``rasa`` puts its working directory on ``sys.path``, and bot/scripts/*.sh
and api/supervisor.py also export ``PYTHONPATH=<repo>``).

- :mod:`bot.components.normalization` — length-preserving text normalisation (pure Python);
- :mod:`bot.components.tokenizer` — ``NormalizingJiebaTokenizer``: jieba over that text;
- :mod:`bot.components.e5_featurizer` — ``E5OnnxFeaturizer``: multilingual-e5-small dense
  features from the ONNX export that ``make setup`` builds (``api.manage build-onnx``).

Importing this package imports nothing heavy; Rasa loads each module when config.yml
names it.
"""
