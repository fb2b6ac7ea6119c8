"""The models every stage borrows: text embeddings (`embeddings`), the language-model
providers (`llm`) and the embedded GGUF model assembled from packages (`local`). They serve
`index`, `retrieve` and `answer`, and know nothing of them."""
