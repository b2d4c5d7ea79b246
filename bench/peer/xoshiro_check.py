"""Independent check of md::realization_rng: SplitMix64 key and state, xoshiro256++ output.

Run: python3 bench/peer/xoshiro_check.py   (prints the first word of realization 0, seed 7;
crates/md/src/ensemble.rs pins the same value in the test `generator_is_pinned`).
"""
M = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def first_word(seed, index):
    key = mix64(mix64(seed) ^ index)
    state, s = key, []
    for _ in range(4):  # SplitMix64 expands the key into the 256-bit state
        state = (state + 0x9E3779B97F4A7C15) & M
        s.append(mix64(state))
    return (rotl((s[0] + s[3]) & M, 23) + s[0]) & M  # xoshiro256++ output


if __name__ == "__main__":
    print(hex(first_word(7, 0)))
