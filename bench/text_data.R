# A real sparse text data set for bench/l1.py: bag of words of Jane Austen's six novels.
#
#   Rscript bench/text_data.R [OUT.svm]     (default bench/data/austen_pp.svm)
#
# Source: the R package janeaustenr (Julia Silge; MIT licence; the texts themselves are public
# domain, from Project Gutenberg): austen_books() has 73,422 lines of the six novels, one row per
# printed line, with the book's name.
#
# Documents: paragraphs, i.e. maximal runs of non-blank lines within one book (a line of only
# spaces is blank), that have at least 10 tokens. Tokens: runs of [a-z]+ in the lower-cased text
# with at least 2 letters (so "_Emma_" is "emma", "don't" is "don"; the one-letter "a", "i" and
# the "t" of "don't" are dropped). Vocabulary: the terms that occur in at least 3 documents,
# numbered 1, 2, ... in C-locale byte order. Values: raw counts. Label: +1 for "Pride &
# Prejudice", -1 for the other five novels. Every document is written, in book order.
#
# Also writes OUT's vocabulary (one term a line, line j = feature j) to OUT with .svm replaced
# by .vocab.txt, and prints a one-line JSON summary on stdout.
suppressPackageStartupMessages(library(janeaustenr))

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[[1]] else file.path("bench", "data", "austen_pp.svm")
min_tokens <- 10L
min_docs <- 3L
positive <- "Pride & Prejudice"

books <- austen_books()
text <- as.character(books$text)
book <- as.character(books$book)
blank <- grepl("^[[:space:]]*$", text)
# A new paragraph starts at a non-blank line after a blank line or at a change of book.
new_book <- c(TRUE, book[-1] != book[-length(book)])
starts <- !blank & (new_book | c(TRUE, blank[-length(blank)]))
para <- cumsum(starts)
para[blank] <- NA_integer_
keep <- !is.na(para)
docs_text <- tapply(text[keep], para[keep], paste, collapse = " ")
docs_book <- tapply(book[keep], para[keep], function(b) b[[1]])

tokens <- regmatches(tolower(docs_text), gregexpr("[a-z]+", tolower(docs_text)))
tokens <- lapply(tokens, function(t) t[nchar(t) >= 2L])
long <- lengths(tokens) >= min_tokens
tokens <- tokens[long]
docs_book <- docs_book[long]

# Document frequency of every term, then the vocabulary in C-locale order.
doc_id <- rep(seq_along(tokens), lengths(tokens))
term <- unlist(tokens, use.names = FALSE)
pairs <- unique(data.frame(doc = doc_id, term = term, stringsAsFactors = FALSE))
df <- table(pairs$term)
vocab <- names(df)[df >= min_docs]
old <- Sys.getlocale("LC_COLLATE")
invisible(Sys.setlocale("LC_COLLATE", "C"))
vocab <- sort(vocab)
invisible(Sys.setlocale("LC_COLLATE", old))

col <- match(term, vocab)
in_vocab <- !is.na(col)
counts <- Matrix::sparseMatrix(i = doc_id[in_vocab], j = col[in_vocab], x = 1,
                               dims = c(length(tokens), length(vocab)))
trip <- Matrix::summary(counts)
trip <- trip[order(trip$i, trip$j), ]
cells <- split(paste0(trip$j, ":", as.integer(trip$x)), factor(trip$i, levels = seq_along(tokens)))
labels <- ifelse(docs_book == positive, "+1", "-1")
lines <- paste(labels, vapply(cells, paste, character(1), collapse = " "))
# A document with no vocabulary term at all would be a bare label; LIBSVM allows it.
lines <- sub(" $", "", lines)

dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
tmp <- paste0(out, ".part")
writeLines(lines, tmp)
invisible(file.rename(tmp, out))
writeLines(vocab, sub("\\.svm$", ".vocab.txt", out))
cat(sprintf(paste0('{"path": "%s", "rows": %d, "features": %d, "nnz": %d, "positives": %d, ',
                   '"paragraphs": %d, "janeaustenr": "%s"}\n'),
            out, length(tokens), length(vocab), nrow(trip), sum(labels == "+1"),
            length(docs_text), as.character(packageVersion("janeaustenr"))))
