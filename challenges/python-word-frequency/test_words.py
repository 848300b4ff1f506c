import unittest

from words import top_words


class TopWordsTest(unittest.TestCase):
    def test_counts_case_insensitively(self):
        self.assertEqual(top_words("The cat and the hat. THE END", 1), [("the", 3)])

    def test_ties_are_alphabetical(self):
        self.assertEqual(top_words("b a c b a c", 3), [("a", 2), ("b", 2), ("c", 2)])

    def test_apostrophes_inside_words(self):
        self.assertEqual(top_words("don't stop, don't!", 1), [("don't", 2)])

    def test_n_limits_and_zero(self):
        self.assertEqual(len(top_words("one two three four", 2)), 2)
        self.assertEqual(top_words("one two", 0), [])


if __name__ == "__main__":
    unittest.main()
