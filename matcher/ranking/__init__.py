"""The ranking model: a calibrated scikit-learn classifier of P(hired and kept 12 months),
its persistence with a model card, and its evaluation against baselines and the truth."""
