"""The questions kith answers, each written once against the store port."""
