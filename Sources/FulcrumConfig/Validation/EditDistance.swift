/// The closest candidate to a misspelled word, when it is close enough to be a likely typo.
///
/// Distance is optimal string alignment (Levenshtein plus adjacent transpositions, so `lsiten` is one edit from
/// `listen`), compared case-insensitively. The allowance grows with the word: one edit for short words, up to three
/// for long ones (a quarter of the candidate's length), so that `conect_timeout` finds `connect_timeout` while a short
/// key only matches a one-letter slip. Failing that, a candidate that starts with the word (of 4 letters or more).
func closestMatch(to word: String, in candidates: [String]) -> String? {
    let target = Array(word.lowercased().unicodeScalars)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let allowance = max(1, min(3, candidate.count / 4))
        let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
        guard distance <= allowance else { continue }
        if best == nil || distance < best!.distance { best = (candidate, distance) }
    }
    if let best { return best.candidate }
    // A shortened key (`token` for `token_file`, `max_conn` for `max_connections`) is far in edits but obvious.
    let lowered = word.lowercased()
    guard lowered.count >= 4 else { return nil }
    return candidates.first { $0.lowercased().hasPrefix(lowered) }
}

func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    let width = b.count + 1
    // Three rows: the one before the previous is needed for transpositions.
    var older = [Int](repeating: 0, count: width)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: width)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                value = min(value, older[j - 2] + 1)
            }
            current[j] = value
        }
        (older, previous, current) = (previous, current, older)
    }
    return previous[b.count]
}
