// Download a document (a test report or an invoice PDF): find it in the documents table, then
// ask Storage for a short-lived signed URL. Storage's policies follow the same rules as the
// table, so a URL is only signed for someone who may read the file.
import { type Fieldbase, must } from "./client";

export async function documentLink(supabase: Fieldbase, sourceType: string, sourceId: string) {
  const document = must(
    await supabase
      .from("documents")
      .select("title, storage_bucket, storage_path, content_type")
      .eq("source_type", sourceType)
      .eq("source_id", sourceId)
      .order("created_at", { ascending: false })
      .limit(1)
      .single(),
  );
  const { data, error } = await supabase.storage
    .from(document.storage_bucket)
    .createSignedUrl(document.storage_path, 60, { download: `${document.title}.pdf` });
  if (error) throw error;
  return data.signedUrl;
}
