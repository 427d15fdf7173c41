// Package openreviewtest is a fake OpenReview API, both hosts of it, for the
// tests of openreview-finder and for demos (cmd/openreview-fake starts one).
//
// It follows the facts in the project's OpenReview reference (§2–§7, §11)
// and the recorded responses in testdata/samples (see the README there for
// their provenance): the v2 host (api2) serves notes with wrapped
// {"value": …} content, an invitations list, domain and "version": 2; the v1
// host (api) serves bare content, one invitation, original and explicit
// nulls. Each host serves only its own notes, so a v2 venue asked on the v1
// host yields {"notes":[],"count":0}, the real pitfall. Groups are shared.
//
// # Endpoints
//
// POST /login (both hosts; the token works on both), GET /notes and
// GET /groups behind an auth gate (HTML challenge page or 403
// ChallengeRequiredError; 401 TokenExpiredError for an expired token).
// /notes filters by id (404 when missing), forum, replyto, number,
// invitation, content.<field> (content.venueid takes comma-separated
// alternatives), domain, paperhash, signature and mintcdate; pages with
// limit (default 1000, more is a 400 ValidationError), offset, sort
// (id, number, cdate, tcdate, mdate, tmdate, pdate, odate, each :asc or
// :desc) and after=<id> (strictly after that note in the chosen order; id
// order when no sort is given); projects with select; adds details
// (directReplies, replyCount, directReplyCount, original). count, when
// present, counts every note matching the filters, ignoring after, offset
// and limit. Without sort the order is newest first (tcdate descending).
//
// # Seed data
//
// Deterministic from Options.Seed, synthetic text from an ML vocabulary:
//
//   - v2 ICLR.cc/2025/Conference: Options.Scale notes (default 2500); about
//     30% accepted ("ICLR 2025 Oral|Spotlight|Poster"), 40% rejected, 20%
//     withdrawn, 2% desk-rejected (no pdf), 8% under review (authors hidden);
//     decision replies on accepted and rejected notes; odd fields on a few.
//   - v2 ICLR.cc/2024/Conference (40, lower-case "ICLR 2024 poster"…),
//     NeurIPS.cc/2024/Conference (60; accepted plus a few opt-in rejected),
//     ICML.cc/2026/Conference (30; unified authors objects, no authorids;
//     "ICML 2026 regular|spotlight", where "regular" has no presentation),
//     TMLR (30; venueids TMLR, TMLR/Rejected, TMLR/Withdrawn_Submission,
//     TMLR/Desk_Rejected, TMLR/Under_Review; some with certifications).
//   - v1 ICLR.cc/2020/Conference (60; Blind/Withdrawn/Desk_Rejected
//     submissions, status only in Paper<N>/-/Decision replies, "TL;DR"),
//     ICLR.cc/2022/Conference (40; status in content.venue, venueid bare on
//     every note, withdrawn venue "", "one-sentence_summary"),
//     ICLR.cc/2017/conference (20; one lower-case submission invitation,
//     authors as one "A and B" string; "Invite to Workshop" counts as rejected).
//
// # Fixed notes
//
// These ids and texts do not depend on the seed:
//
//   - ICLR 2025 "UnIc0de-25" (accepted, oral): a title with accents, CJK,
//     math symbols and an emoji; authors Zoë Faßbender, 李 雷, Ærin Ødegård.
//   - ICLR 2025 "LaTeX-Html" (rejected): LaTeX ($\alpha$) and HTML-like text
//     (<script>, <b>, &) in title, abstract and TLDR.
//   - ICLR 2025 "JoseMuller" (accepted, poster): "Holographic Attention: Phase
//     Encoding for Efficient Long-Context Transformers", abstract
//     HolographicAbstract, authors José Müller, Ana Lima, Wei Chen. No
//     other note contains the word "holographic".
//   - ICLR 2025 "NoAbstract" (accepted, poster; no abstract field),
//     "NoTitle025" (withdrawn; no title), "AbsPdfUrl1" (accepted, spotlight;
//     pdf is https://arxiv.org/pdf/2410.01234v2), "DeskRejct1"
//     (desk-rejected; no pdf), "NoKeyword1" (rejected; no keywords, has a
//     TLDR), "UnderRevw1" (under review; authors hidden).
//   - ICLR 2024 "rhgIgTSSxW" (accepted, poster) and "fMX07g3prp" (withdrawn),
//     ICLR 2022 "g1SzIRLQXMM" (accepted, spotlight), and ICLR 2020
//     "ryxyCeHtPB" (accepted, poster) with its decision "EE4Ml5hZtI" and
//     comment "u4lGEyBWi5n": the recorded samples, as recorded.
//   - TMLR "TmlrCert01" (accepted; Featured and Survey certifications).
//   - ICLR 2017 "Iclr17AndX" (accepted, oral): authors "Ada Lovelace and
//     Alan Turing and Grace Hopper".
//
// Server.Notes gives the expected facts of every submission of a venue.
package openreviewtest
