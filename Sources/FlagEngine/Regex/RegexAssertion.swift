/// Zero-width tests, checked against the scalars on either side of the current position.
enum RegexAssertion: Sendable, Hashable {
    case textStart, textEnd, lineStart, lineEnd, wordBoundary, notWordBoundary
}
